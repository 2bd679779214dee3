package com.fmawsss.pipeline;

import com.fmawsss.progress.Stage;
import com.fmawsss.sam.AmgSettings;
import com.fmawsss.sam.CropBoxes;
import com.fmawsss.sam.QuasiSuperpixelGenerator;
import java.util.List;

/**
 * How much work one pipeline run is, in each stage's cost unit. The units are chosen so that a
 * stage's time is close to proportional to them on a given device: CLIP's trunk grows with the
 * number of patch tokens, Softmax-GradCAM with tokens times classes, CAA with classes times
 * tokens squared (the affinity is tokens x tokens), the SAM encoder with passes (every pass is a
 * fixed 1024x1024 input), SAM decoding with prompt points, SAMS with pixels times classes.
 *
 * @param clipTokens CLIP patch tokens of the stretched image (0: no CLIP stage)
 * @param classes present classes (channels of the score maps)
 * @param samPasses SAM encoder passes, one per crop (0: no SAM work, e.g. cached superpixels)
 * @param samPoints prompt points over all crops
 * @param pixels image pixels (SAMS paints at full resolution; 0: no SAMS)
 */
public record WorkShape(long clipTokens, int classes, int samPasses, long samPoints, long pixels) {

    /** Work of unknown size: its estimate is zero, and the scheduler counts it with the recent mean. */
    public static final WorkShape NONE = new WorkShape(0, 0, 0, 0, 0);

    /**
     * @param patchSize CLIP patch size; images are stretched to multiples of it
     * @param clip whether CLIP runs (not for uploaded score maps)
     * @param amg mask-generation settings, or {@code null} when SAM does not run
     * @param superpixelsCached SAM work is free when the image's superpixels are cached
     */
    public static WorkShape of(int width, int height, int classes, int patchSize, boolean clip, AmgSettings amg,
            boolean superpixelsCached) {
        return of(width, height, classes, patchSize, clip, amg, superpixelsCached, false);
    }

    /** @param embeddingCached the whole image's SAM embedding is kept: its encoder pass is free */
    public static WorkShape of(int width, int height, int classes, int patchSize, boolean clip, AmgSettings amg,
            boolean superpixelsCached, boolean embeddingCached) {
        long tokens = clip ? (long) ceilDiv(width, patchSize) * ceilDiv(height, patchSize) : 0;
        int passes = 0;
        long points = 0;
        if (amg != null && !superpixelsCached) {
            List<CropBoxes.Crop> crops = CropBoxes.generate(width, height, amg.cropNLayers(), amg.cropOverlapRatio());
            passes = crops.size() - (embeddingCached ? 1 : 0);
            points = QuasiSuperpixelGenerator.pointCount(crops, amg);
        }
        return new WorkShape(tokens, classes, passes, points, amg == null ? 0 : (long) width * height);
    }

    /** The cost units of one stage. */
    public double units(Stage stage) {
        return switch (stage) {
            case CLIP_ENCODE -> clipTokens;
            case GRADCAM -> (double) clipTokens * classes;
            case CAA -> (double) clipTokens * clipTokens * classes;
            case SAM_ENCODE -> samPasses;
            case SAM_DECODE -> samPoints;
            case SAMS -> (double) pixels * Math.max(1, classes);
        };
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}
