package com.fmawsss.training;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fmawsss.bundle.BundleModule;
import com.fmawsss.bundle.Devices;
import com.fmawsss.bundle.ModelBundle;
import com.fmawsss.cam.CamEngine;
import com.fmawsss.cam.GradCamOutput;
import com.fmawsss.cam.SoftmaxGradCam;
import com.fmawsss.clip.ClipInput;
import com.fmawsss.clip.ClipVision;
import com.fmawsss.clip.PromptSelection;
import com.fmawsss.clip.TextEncoder;
import com.fmawsss.clip.VisionFeatures;
import com.fmawsss.image.ImageDecoder;
import com.fmawsss.io.AtomicFiles;
import com.fmawsss.image.ImageLimits;
import com.fmawsss.image.LabelMapPng;
import com.fmawsss.image.RgbImage;
import com.fmawsss.jobs.Job;
import com.fmawsss.jobs.JobContext;
import com.fmawsss.jobs.JobRecord;
import com.fmawsss.pipeline.PipelineExecutor;
import com.fmawsss.prompts.PromptSet;
import com.fmawsss.prompts.PromptSetFactory;
import com.fmawsss.prompts.PromptSetFile;
import com.fmawsss.sam.AmgSettings;
import com.fmawsss.tensors.FloatTensor;
import com.fmawsss.tensors.Safetensors;
import com.fmawsss.bulkseeding.SeedJob;
import com.fmawsss.datasets.Dataset;
import com.fmawsss.datasets.TrainingSample;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Prompt training as the official code runs it (spec §4): (1) classification prompts with MCL,
 * (2) coarse seeds for every training image with SAMS over CAA-refined classification CAMs, (3)
 * segmentation prompts with CAL against the coarse seeds (second-order gradients through
 * Softmax-GradCAM). CLIP and SAM stay frozen. Checkpoints (parameters, momentum, position) are
 * written atomically every {@code checkpointEvery} iterations and at each stage end; a restarted
 * job resumes from the last one and, being seeded per iteration, ends on the same prompts.
 */
public final class TrainingJob implements Job {

    private static final String CHECKPOINT = "checkpoint.safetensors";
    private static final String CLASSIFICATION = "classification.safetensors";

    private final Dataset dataset;
    private final TrainingSettings settings;
    private final ModelBundle bundle;
    private final PipelineExecutor executor;
    private final AmgSettings amg;
    private final Function<PromptSet, String> publish;
    private final ImageDecoder decoder = new ImageDecoder();
    private final CamEngine engine;
    private final TextEncoder textEncoder;
    private final ClipVision vision;
    private final SoftmaxGradCam gradCam;
    private final Augmenter augmenter;

    /**
     * @param dataset training images with image-level labels
     * @param settings hyper-parameters
     * @param bundle the model bundle
     * @param cams the CAM engine the losses differentiate through
     * @param executor the door to the device (stage 2's seeds wait at background priority)
     * @param amg mask-generation settings (stage 2)
     * @param publish stores the final prompt set and returns its version id
     */
    public TrainingJob(Dataset dataset, TrainingSettings settings, ModelBundle bundle, CamEngine cams,
            PipelineExecutor executor, AmgSettings amg, Function<PromptSet, String> publish) {
        this.dataset = dataset;
        this.settings = settings;
        this.bundle = bundle;
        this.executor = executor;
        this.amg = amg;
        this.publish = publish;
        this.engine = cams;
        this.textEncoder = new TextEncoder(bundle);
        this.vision = new ClipVision(bundle);
        this.gradCam = new SoftmaxGradCam(bundle);
        this.augmenter = new Augmenter(settings.crop());
    }

    @Override
    public Map<String, String> run(JobContext context) throws Exception {
        if (dataset.samples().size() < settings.batchSize()) {
            throw new IllegalArgumentException("the dataset has " + dataset.samples().size()
                    + " images, fewer than one batch of " + settings.batchSize());
        }
        Path work = context.workDirectory();
        Checkpoint checkpoint = Checkpoint.read(work.resolve(CHECKPOINT));
        int width = bundle.manifest().clip().textWidth();
        PromptSet classification;
        if (Files.isRegularFile(work.resolve(CLASSIFICATION))) {
            classification = PromptSetFile.read(Files.readAllBytes(work.resolve(CLASSIFICATION)));
        } else {
            PromptSet initial = PromptSetFactory.classification("classification-" + context.id(), dataset.vocabulary(),
                    settings.contextTokens(), width, settings.seed());
            classification = train(context, "classification", initial, settings.classificationIterations(),
                    "classification".equals(checkpoint.stage) ? checkpoint : Checkpoint.NONE, this::mclStep);
            AtomicFiles.write(work.resolve(CLASSIFICATION), PromptSetFile.write(classification));
        }
        Path seeds = work.resolve("seeds");
        Map<String, String> coarse =
                new SeedJob(dataset, classification, seeds, executor, amg, decoder).run(new StageContext(context, "seeds"));
        PromptSet initial = PromptSetFactory.segmentation("segmentation-" + context.id(), dataset.vocabulary(), settings.layout(),
                settings.contextTokens(), width, settings.seed() + 1);
        PromptSet segmentation = train(context, "segmentation", initial, settings.segmentationIterations(),
                "segmentation".equals(checkpoint.stage) ? checkpoint : Checkpoint.NONE,
                (m, set, params, batch, it) -> {
                    NDArray cal = calStep(m, set, params, batch, it, seeds);
                    if (!settings.jointLoss()) {
                        return cal;
                    }
                    // The paper's joint objective: MCL on the segmentation prompts' logits as well.
                    NDArray mcl = mclStep(m, set, params, batch, it);
                    return cal == null ? mcl : mcl == null ? cal : cal.add(mcl);
                });
        Map<String, String> info = new LinkedHashMap<>();
        info.put("job", context.id());
        info.put("parent", classification.id());
        if (coarse.containsKey("mIoU")) {
            info.put("metrics.coarseSeedMIoU", coarse.get("mIoU"));
        }
        info.put("dataset", dataset.name());
        info.put("settings", settings.toString());
        String version = publish.apply(new PromptSet("job-" + context.id(), segmentation.kind(), segmentation.layout(),
                segmentation.vocabulary(), segmentation.contextTokens(), segmentation.contexts(), info));
        return Map.of("promptVersion", version, "classificationPromptVersion", classification.id());
    }

    /** One training iteration's loss over a batch, or null when the batch has nothing to learn. */
    @FunctionalInterface
    interface Step {
        NDArray loss(NDManager manager, PromptSet set, PromptParameters params, List<TrainingSample> batch, int iteration)
                throws IOException;
    }

    private PromptSet train(JobContext context, String stage, PromptSet initial, int iterations, Checkpoint resume, Step step)
            throws IOException {
        Path file = context.workDirectory().resolve(CHECKPOINT);
        LearningRateSchedule schedule = LearningRateSchedule.official(iterations);
        try (NDManager manager = NDManager.newBaseManager(bundle.device())) {
            PromptSet start = resume.parameters.isEmpty() ? initial : withContexts(initial, resume.parameters);
            PromptParameters params = new PromptParameters(manager, start);
            SgdMomentum sgd = new SgdMomentum(0.9, 5e-4);
            resume.momentum.forEach((name, t) -> sgd.buffers().put(name, manager.create(t.data(), shape(t))));
            long begin = System.nanoTime();
            for (int it = resume.iteration; it < iterations; it++) {
                context.checkCancelled();
                Double lossValue = null;
                try (GradientCollector collector = Engine.getEngine(Devices.ENGINE).newGradientCollector()) {
                    NDArray loss = step.loss(manager, start, params, batch(stage, it), it);
                    if (loss != null) {
                        lossValue = (double) loss.getFloat();
                        collector.backward(loss);
                    }
                }
                if (lossValue != null) {
                    sgd.step(params.tensors(), schedule.at(it));
                }
                int done = it + 1;
                if (done % settings.checkpointEvery() == 0 || done == iterations) {
                    Checkpoint.write(file, stage, done, params, sgd);
                }
                double seconds = (System.nanoTime() - begin) / 1e9;
                double rate = (done - resume.iteration) * settings.batchSize() / Math.max(seconds, 1e-9);
                long eta = (long) ((iterations - done) * settings.batchSize() / Math.max(rate, 1e-9));
                context.progress(new JobRecord.ProgressReport(stage, done, iterations, lossValue, rate, eta, schedule.at(done - 1)));
            }
            return params.toPromptSet(initial.id(), Map.of());
        }
    }

    private List<TrainingSample> batch(String stage, int iteration) {
        List<TrainingSample> samples = dataset.samples();
        int perEpoch = samples.size() / settings.batchSize();
        int epoch = iteration / perEpoch;
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < samples.size(); i++) {
            order.add(i);
        }
        Collections.shuffle(order, new Random(settings.seed() * 1_000_003L + stage.hashCode() * 31L + epoch));
        int from = (iteration % perEpoch) * settings.batchSize();
        return order.subList(from, from + settings.batchSize()).stream().map(samples::get).toList();
    }

    private Random augmentationRandom(int iteration, int k) {
        return new Random(settings.seed() * 7_919L + iteration * 104_729L + k);
    }

    private NDArray mclStep(NDManager m, PromptSet set, PromptParameters params, List<TrainingSample> batch, int it)
            throws IOException {
        List<String> names = set.vocabulary().classNames();
        NDArray text = textEncoder.encode(m, engine.promptBuilder().build(PromptSelection.of(set, names)), params::context, true)
                .get("0:" + names.size());
        NDArray textN = text.div(text.norm(new int[] {1}, true));
        NDList images = new NDList();
        List<List<Integer>> positives = new ArrayList<>();
        for (int k = 0; k < batch.size(); k++) {
            RgbImage image = decoder.decode(Files.readAllBytes(batch.get(k).image()), ImageLimits.defaults()).image();
            Augmenter.Sample sample = augmenter.apply(image, null, augmentationRandom(it, k));
            VisionFeatures f = vision.encode(m, engine.preprocessor().apply(sample.image()), 0);
            NDArray embedding = bundle.forward(BundleModule.IMAGE_HEAD, new NDList(f.residual())).head();
            images.add(embedding.div(embedding.norm(new int[] {1}, true)).get(0));
            positives.add(batch.get(k).labels());
        }
        NDArray logits = NDArrays.stack(images).matMul(textN.transpose()).mul(bundle.manifest().clip().logitScale());
        return MclLoss.of(logits, positives);
    }

    private NDArray calStep(NDManager m, PromptSet set, PromptParameters params, List<TrainingSample> batch, int it, Path seeds)
            throws IOException {
        NDArray total = null;
        long valid = 0;
        for (int k = 0; k < batch.size(); k++) {
            TrainingSample s = batch.get(k);
            RgbImage image = decoder.decode(Files.readAllBytes(s.image()), ImageLimits.defaults()).image();
            int[] pseudo = LabelMapPng.decode(Files.readAllBytes(seeds.resolve(s.id() + ".png")), ImageLimits.defaults()).labels();
            Augmenter.Sample sample = augmenter.apply(image, pseudo, augmentationRandom(it, k));
            TreeSet<Integer> present = new TreeSet<>();
            for (int label : sample.labels()) {
                if (label > 0 && label != 255) {
                    present.add(label);
                }
            }
            if (present.isEmpty()) {
                continue;
            }
            // The foreground classes of a sample are those present in its cropped pseudo label.
            List<String> names = present.stream().map(l -> set.vocabulary().classes().get(l - 1).name()).toList();
            PromptSelection selection = PromptSelection.of(set, names);
            NDArray text = textEncoder.encode(m, engine.promptBuilder().build(selection), params::context, true);
            ClipInput input = engine.preprocessor().apply(sample.image());
            VisionFeatures f = vision.encode(m, input, 0);
            GradCamOutput out = gradCam.compute(f, text, selection.present(), true);
            NDArray cams = out.cams().reshape(selection.present(), f.gridHeight(), f.gridWidth());
            int[] labels = present.stream().mapToInt(Integer::intValue).toArray();
            CalLoss.Terms terms = CalLoss.of(cams, sample.labels(), labels, settings.crop(), settings.crop());
            total = total == null ? terms.sum() : total.add(terms.sum());
            valid += terms.validPixels();
        }
        return total == null || valid == 0 ? null : total.div(valid);
    }

    private static PromptSet withContexts(PromptSet set, Map<String, FloatTensor> contexts) {
        return new PromptSet(set.id(), set.kind(), set.layout(), set.vocabulary(), set.contextTokens(), contexts, set.info());
    }

    private static Shape shape(FloatTensor t) {
        long[] dims = new long[t.rank()];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = t.dim(i);
        }
        return new Shape(dims);
    }

    /** Position, parameters and momentum of a stage, in one atomically written file. */
    private record Checkpoint(String stage, int iteration, Map<String, FloatTensor> parameters, Map<String, FloatTensor> momentum) {
        static final Checkpoint NONE = new Checkpoint("", 0, Map.of(), Map.of());

        static Checkpoint read(Path file) throws IOException {
            if (!Files.isRegularFile(file)) {
                return NONE;
            }
            Safetensors.Content content = Safetensors.read(Files.readAllBytes(file));
            Map<String, FloatTensor> parameters = new HashMap<>();
            Map<String, FloatTensor> momentum = new HashMap<>();
            content.tensors().forEach((name, t) -> (name.startsWith("p.") ? parameters : momentum).put(name.substring(2), t));
            return new Checkpoint(content.metadata().get("stage"), Integer.parseInt(content.metadata().get("iteration")),
                    parameters, momentum);
        }

        static void write(Path file, String stage, int iteration, PromptParameters params, SgdMomentum sgd) throws IOException {
            Map<String, FloatTensor> tensors = new LinkedHashMap<>();
            params.tensors().forEach((name, a) -> tensors.put("p." + name, toTensor(a)));
            sgd.buffers().forEach((name, a) -> tensors.put("m." + name, toTensor(a)));
            AtomicFiles.write(file, Safetensors.write(new Safetensors.Content(tensors,
                    Map.of("stage", stage, "iteration", Integer.toString(iteration)))));
        }

        private static FloatTensor toTensor(NDArray array) {
            long[] s = array.getShape().getShape();
            int[] dims = new int[s.length];
            for (int i = 0; i < s.length; i++) {
                dims[i] = Math.toIntExact(s[i]);
            }
            return new FloatTensor(dims, array.toFloatArray());
        }
    }

    /** Progress of the seed stage goes to the job under the stage name. */
    private record StageContext(JobContext delegate, String stage) implements JobContext {
        @Override
        public String id() {
            return delegate.id();
        }

        @Override
        public Path workDirectory() {
            return delegate.workDirectory();
        }

        @Override
        public void progress(JobRecord.ProgressReport progress) {
            delegate.progress(new JobRecord.ProgressReport(stage, progress.iteration(), progress.iterations(), progress.loss(),
                    progress.imagesPerSecond(), progress.etaSeconds(), progress.learningRate()));
        }

        @Override
        public void checkCancelled() {
            delegate.checkCancelled();
        }
    }
}
