package com.fmawsss.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fmawsss.bundle.ModelBundle;
import com.fmawsss.cam.AttentionAffinity;
import com.fmawsss.cam.CamEngine;
import com.fmawsss.cam.ClassAwareAttentionAffinity;
import com.fmawsss.clip.PromptSelection;
import com.fmawsss.clip.TextFeatureCache;
import com.fmawsss.image.RgbImage;
import com.fmawsss.prompts.PromptSet;
import com.fmawsss.prompts.Vocabulary;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * Before/after timings of the optimisations that live in Java (docs/performance.md), measured in
 * the same run: the text-feature cache and CAA without the matrix power.
 */
final class Ablations {

    private final ModelBundle bundle;
    private final Workload workload;

    Ablations(ModelBundle bundle, Workload workload) {
        this.bundle = bundle;
        this.workload = workload;
    }

    Map<String, Map<String, Double>> run(RgbImage image) {
        Map<String, Map<String, Double>> out = new LinkedHashMap<>();
        PromptSelection selection = PromptSelection.of(PromptSet.manual(Vocabulary.voc()), workload.seedClassList());
        CamEngine uncached = new CamEngine(bundle, new TextFeatureCache(0));
        CamEngine cached = new CamEngine(bundle, new TextFeatureCache(TextFeatureCache.DEFAULT_CAPACITY));
        out.put("textFeatureCache", pair(
                median(() -> uncached.compute(image, selection)),
                median(() -> cached.compute(image, selection))));
        for (int side : new int[] {Math.max(image.width(), image.height()), 1024}) {
            int gw = (int) Math.ceil(side / 16.0);
            int gh = (int) Math.ceil(side * Math.min(image.width(), image.height()) / (double) Math.max(image.width(), image.height()) / 16.0);
            out.put("caaPower@" + gw + "x" + gh + "patches", caa(gw * gh, workload.seedClassList().size()));
        }
        out.forEach((name, v) -> System.out.printf("  %-28s before %10.1f ms  after %10.1f ms%n", name, v.get("beforeMs"), v.get("afterMs")));
        return out;
    }

    private Map<String, Double> caa(int patches, int classes) {
        try (NDManager manager = NDManager.newBaseManager(bundle.device())) {
            Random random = new Random(1);
            float[] values = new float[patches * patches];
            for (int i = 0; i < values.length; i++) {
                values[i] = random.nextFloat();
            }
            NDArray attention = manager.create(values, new Shape(patches, patches));
            float[][] masks = new float[classes][patches];
            float[][] inputs = new float[classes][patches];
            for (int p = 0; p < classes; p++) {
                for (int i = 0; i < patches; i++) {
                    masks[p][i] = random.nextBoolean() ? 1 : 0;
                    inputs[p][i] = random.nextFloat();
                }
            }
            return pair(
                    median(() -> ClassAwareAttentionAffinity.refine(AttentionAffinity.transition(attention, 1, 2), masks, inputs)),
                    median(() -> ClassAwareAttentionAffinity.refine(AttentionAffinity.transition(attention, 1, 1), 2, masks, inputs)));
        }
    }

    private double median(Runnable work) {
        return Samples.measure(workload.warmup(), workload.stageRepeats(), work).median();
    }

    private static Map<String, Double> pair(double before, double after) {
        Map<String, Double> row = new LinkedHashMap<>();
        row.put("beforeMs", BenchReport.round(before));
        row.put("afterMs", BenchReport.round(after));
        return row;
    }
}
