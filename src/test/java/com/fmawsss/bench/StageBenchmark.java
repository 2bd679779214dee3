package com.fmawsss.bench;

import com.fmawsss.bundle.ModelBundle;
import com.fmawsss.cam.CamEngine;
import com.fmawsss.cam.CamResult;
import com.fmawsss.cam.CamSettings;
import com.fmawsss.clip.ClipInput;
import com.fmawsss.clip.PromptSelection;
import com.fmawsss.image.RgbImage;
import com.fmawsss.progress.Stage;
import com.fmawsss.pipeline.FmaPipeline;
import com.fmawsss.prompts.PromptSet;
import com.fmawsss.prompts.Vocabulary;
import com.fmawsss.sam.AmgSettings;
import com.fmawsss.sam.QuasiSuperpixelGenerator;
import com.fmawsss.sam.SamPredictor;
import com.fmawsss.sam.SamPreprocessor;
import com.fmawsss.sam.QuasiSuperpixel;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Times the pipeline's stages in-process, with the stage names of the PyTorch eager pipeline
 * ({@code models/bench/eager_pipeline.py}): {@code clip_gradcam_<n>} (preprocessing, CLIP forward,
 * text features from the cache, Softmax-GradCAM), {@code caa}, {@code sam_encode} (SAM
 * preprocessing + encoder), {@code amg_decode} (automatic mask generation without its encoder
 * runs), {@code amg_total} and {@code sams}.
 */
final class StageBenchmark {

    private final Workload workload;
    private final AmgSettings amg;
    private final StageClock clock = new StageClock();
    private final CamEngine cams;
    private final SamPredictor predictor;
    private final SamPreprocessor samPreprocessor;
    private final QuasiSuperpixelGenerator generator;
    private final Map<String, Object> counts = new LinkedHashMap<>();

    StageBenchmark(ModelBundle bundle, Workload workload, AmgSettings amg) {
        this.workload = workload;
        this.amg = amg;
        this.cams = new CamEngine(bundle);
        this.predictor = new SamPredictor(bundle);
        this.samPreprocessor = new SamPreprocessor(bundle.manifest().sam());
        this.generator = new QuasiSuperpixelGenerator(predictor, samPreprocessor);
    }

    /**
     * Runs the selected stages.
     *
     * @param image the decoded workload image
     * @param selected stage names to run (empty: all)
     * @return samples by stage name
     */
    Map<String, Samples> run(RgbImage image, List<String> selected) {
        Map<String, Samples> out = new LinkedHashMap<>();
        PromptSet voc = PromptSet.manual(Vocabulary.voc());
        CamResult seedCams = null;
        for (Map.Entry<String, List<String>> set : workload.classSets().entrySet()) {
            String name = "clip_gradcam_" + set.getKey();
            PromptSelection selection = PromptSelection.of(voc, set.getValue());
            boolean seedSet = set.getKey().equals(workload.seedClasses());
            if (!wanted(selected, name) && !(seedSet && (wanted(selected, "caa") || wanted(selected, "sams")))) {
                continue;
            }
            List<Double> clip = new ArrayList<>();
            List<Double> caa = new ArrayList<>();
            CamResult last = null;
            for (int r = -workload.warmup(); r < workload.stageRepeats(); r++) {
                clock.reset();
                long start = System.nanoTime();
                ClipInput input = cams.preprocessor().apply(image);
                last = cams.compute(input, selection, CamSettings.forPromptSet(voc), clock);
                double total = (System.nanoTime() - start) / 1e6;
                if (r >= 0) {
                    caa.add(clock.millis(Stage.CAA));
                    clip.add(total - clock.millis(Stage.CAA));
                }
            }
            report(out, name, new Samples(clip));
            if (seedSet) {
                seedCams = last;
                report(out, "caa", new Samples(caa));
            }
        }
        if (wanted(selected, "sam_encode")) {
            report(out, "sam_encode", Samples.measure(workload.warmup(), workload.stageRepeats(), () -> {
                try (NDManager manager = predictor.newManager()) {
                    predictor.encode(manager, samPreprocessor.prepare(image));
                }
            }));
        }
        List<QuasiSuperpixel> masks = null;
        if (wanted(selected, "amg_decode") || wanted(selected, "sams")) {
            List<Double> decode = new ArrayList<>();
            List<Double> total = new ArrayList<>();
            for (int r = -workload.warmup(); r < workload.stageRepeats(); r++) {
                clock.reset();
                long start = System.nanoTime();
                masks = generator.generate(image, amg, clock);
                double millis = (System.nanoTime() - start) / 1e6;
                if (r >= 0) {
                    total.add(millis);
                    decode.add(millis - clock.millis(Stage.SAM_ENCODE));
                }
            }
            report(out, "amg_decode", new Samples(decode));
            report(out, "amg_total", new Samples(total));
            counts.put("finalMasks", masks.size());
        }
        if (wanted(selected, "sams") && seedCams != null) {
            List<QuasiSuperpixel> finalMasks = masks;
            CamResult finalCams = seedCams;
            report(out, "sams", Samples.measure(workload.warmup(), workload.stageRepeats(), () -> FmaPipeline.refine(
                    finalMasks, finalCams.refined(), image.height(), image.width(), workload.alpha())));
        }
        return out;
    }

    /**
     * Returns mask counts of the last run.
     *
     * @return counts by name
     */
    Map<String, Object> counts() {
        return counts;
    }

    private static void report(Map<String, Samples> out, String name, Samples s) {
        out.put(name, s);
        System.out.printf("  java %-16s median %10.1f ms  p90 %10.1f ms%n", name, s.median(), s.p90());
    }

    private static boolean wanted(List<String> selected, String stage) {
        return selected.isEmpty() || selected.contains(stage);
    }
}
