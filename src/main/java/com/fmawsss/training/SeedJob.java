package com.fmawsss.training;

import com.fmawsss.clip.PromptSelection;
import com.fmawsss.image.DecodedImage;
import com.fmawsss.io.AtomicFiles;
import com.fmawsss.image.ImageDecoder;
import com.fmawsss.image.ImageLimits;
import com.fmawsss.image.LabelMap;
import com.fmawsss.image.LabelMapPng;
import com.fmawsss.jobs.Job;
import com.fmawsss.jobs.JobContext;
import com.fmawsss.jobs.JobRecord;
import com.fmawsss.ops.scheduler.InferenceScheduler;
import com.fmawsss.jobs.JobCancelledException;
import com.fmawsss.ops.scheduler.Priority;
import com.fmawsss.ops.scheduler.TaskSpec;
import com.fmawsss.progress.Progress;
import com.fmawsss.progress.WorkCancelledException;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import com.fmawsss.pipeline.SeedPipeline;
import com.fmawsss.pipeline.SeedResult;
import com.fmawsss.prompts.PromptSet;
import com.fmawsss.sam.AmgSettings;
import com.fmawsss.training.data.Dataset;
import com.fmawsss.training.data.TrainingSample;
import com.fmawsss.training.eval.ConfusionMatrix;
import com.fmawsss.training.eval.SegmentationMetrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Bulk seed generation (spec §5 seed jobs): writes a VOC-style palette PNG {@code <id>.png} of
 * vocabulary labels (0 background, c + 1 for class c) for every sample, atomically, skipping
 * samples whose PNG already exists so an interrupted job resumes where it stopped. When ground
 * truth exists the job reports the confusion-matrix mIoU of all seeds (written or found).
 */
public final class SeedJob implements Job {

    /** A bulk image waits behind requests, never cut off while it runs. */
    private static final Duration QUEUE_TIMEOUT = Duration.ofDays(1);

    private final Dataset dataset;
    private final PromptSet prompts;
    private final Path output;
    private final SeedPipeline pipeline;
    private final InferenceScheduler scheduler;
    private final AmgSettings amg;
    private final ImageDecoder decoder;

    /**
     * Creates the job.
     *
     * @param dataset the samples with image-level labels
     * @param prompts the prompt version
     * @param output directory of the pseudo labels
     * @param pipeline the seed pipeline
     * @param scheduler the device's scheduler (the job runs at background priority)
     * @param amg mask-generation settings
     * @param decoder image decoding
     */
    public SeedJob(Dataset dataset, PromptSet prompts, Path output, SeedPipeline pipeline, InferenceScheduler scheduler,
            AmgSettings amg, ImageDecoder decoder) {
        this.dataset = dataset;
        this.prompts = prompts;
        this.output = output;
        this.pipeline = pipeline;
        this.scheduler = scheduler;
        this.amg = amg;
        this.decoder = decoder;
    }

    @Override
    public Map<String, String> run(JobContext context) throws Exception {
        Files.createDirectories(output);
        List<TrainingSample> samples = dataset.samples();
        int classes = dataset.vocabulary().classes().size() + 1;
        ConfusionMatrix matrix = new ConfusionMatrix(classes);
        boolean anyGroundTruth = false;
        int written = 0;
        int skipped = 0;
        long start = System.nanoTime();
        for (int i = 0; i < samples.size(); i++) {
            context.checkCancelled();
            TrainingSample sample = samples.get(i);
            Path target = output.resolve(sample.id() + ".png");
            int[] labels;
            int width;
            if (Files.isRegularFile(target)) {
                LabelMap existing = LabelMapPng.decode(Files.readAllBytes(target), ImageLimits.defaults());
                labels = existing.labels();
                width = existing.width();
                skipped++;
            } else {
                DecodedImage image = decoder.decode(Files.readAllBytes(sample.image()), ImageLimits.defaults());
                labels = seed(image, sample, context);
                width = image.image().width();
                AtomicFiles.write(target, LabelMapPng.encode(labels, width, labels.length / width));
                written++;
            }
            Optional<LabelMap> truth = dataset.groundTruth(sample);
            if (truth.isPresent() && truth.get().labels().length == labels.length) {
                matrix.add(truth.get().labels(), labels);
                anyGroundTruth = true;
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            double rate = (written + 1e-9) / Math.max(seconds, 1e-9);
            long eta = written == 0 ? 0 : (long) ((samples.size() - i - 1) / rate);
            context.progress(new JobRecord.Progress("seeds", i + 1, samples.size(), null, written == 0 ? null : rate, eta, null));
        }
        Map<String, String> result = new LinkedHashMap<>();
        result.put("written", Integer.toString(written));
        result.put("skipped", Integer.toString(skipped));
        result.put("output", output.toString());
        result.put("promptVersion", prompts.id());
        if (anyGroundTruth) {
            SegmentationMetrics metrics = SegmentationMetrics.of(matrix, dataset.vocabulary());
            result.put("mIoU", String.format(java.util.Locale.ROOT, "%.6f", metrics.meanIou()));
            result.put("pixelAccuracy", String.format(java.util.Locale.ROOT, "%.6f", metrics.pixelAccuracy()));
            result.put("perClassIoU", metrics.table());
        }
        return result;
    }

    private int[] seed(DecodedImage image, TrainingSample sample, JobContext context) throws Exception {
        List<String> names = sample.labels().stream().map(c -> dataset.vocabulary().classes().get(c).name()).toList();
        if (names.isEmpty()) {
            return new int[image.image().width() * image.image().height()];
        }
        PromptSelection selection = PromptSelection.of(prompts, names);
        // Cancelling the job stops the image at its next stage or point batch, not after it.
        Progress cancellable = new Progress() {
            @Override
            public void checkCancelled() {
                try {
                    context.checkCancelled();
                } catch (JobCancelledException e) {
                    throw new WorkCancelledException("the seed job was cancelled");
                }
            }
        };
        Duration estimate = pipeline.costs().estimate(
                pipeline.shape(image.image(), selection.present(), true, amg, pipeline.superpixelsCached(image.sha256(), amg)));
        SeedResult seed;
        try {
            seed = scheduler.submit(TaskSpec.startWithin(Priority.BACKGROUND, QUEUE_TIMEOUT, estimate),
                    () -> pipeline.seed(image.image(), image.sha256(), selection, amg, cancellable)).get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof WorkCancelledException) {
                throw new JobCancelledException();
            }
            throw e;
        }
        int[] local = seed.seedMap().labels();
        int[] vocabularyLabels = new int[local.length];
        for (int p = 0; p < local.length; p++) {
            // Seed labels index the present classes; files use vocabulary labels (VOC style).
            vocabularyLabels[p] = local[p] == 0 ? 0 : dataset.vocabulary().indexOf(selection.classes().get(local[p] - 1).name()) + 1;
        }
        return vocabularyLabels;
    }
}
