package com.fmawsss.pipeline;

import com.fmawsss.cam.CamEngine;
import com.fmawsss.cam.CamResult;
import com.fmawsss.cam.CamSettings;
import com.fmawsss.clip.PromptSelection;
import com.fmawsss.image.RgbImage;
import com.fmawsss.ops.metrics.Stage;
import com.fmawsss.ops.metrics.StageTimings;
import com.fmawsss.prompts.PromptKind;
import com.fmawsss.sam.AmgSettings;
import com.fmawsss.sam.QuasiSuperpixels;
import com.fmawsss.seeding.QuasiSuperpixel;
import com.fmawsss.seeding.SamsSeeder;
import com.fmawsss.seeding.ScoreMaps;
import com.fmawsss.seeding.SeedMap;
import com.fmawsss.tensors.FloatTensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The whole FMA-WSSS seed pipeline for one image (spec §4): CAMs (CLIP, Softmax-GradCAM, CAA),
 * quasi-superpixels (SAM, cached) and SAMS. Knows nothing about HTTP; the API and the jobs call it.
 */
public final class SeedPipeline {

    private final CamEngine cams;
    private final QuasiSuperpixels superpixels;
    private final StageTimings stageTimings;

    /**
     * Creates the pipeline without stage timings.
     *
     * @param cams the CAM engine
     * @param superpixels the quasi-superpixel service
     */
    public SeedPipeline(CamEngine cams, QuasiSuperpixels superpixels) {
        this(cams, superpixels, StageTimings.NONE);
    }

    /**
     * Creates the pipeline.
     *
     * @param cams the CAM engine
     * @param superpixels the quasi-superpixel service
     * @param timings receives the sams duration (the engines report their own stages)
     */
    public SeedPipeline(CamEngine cams, QuasiSuperpixels superpixels, StageTimings timings) {
        this.cams = cams;
        this.superpixels = superpixels;
        this.stageTimings = timings;
    }

    /**
     * The background exponent of a prompt set's stream: 0.7 for fine (segmentation) seeds, 0.6 for
     * coarse (classification and manual) seeds.
     *
     * @param selection the selection
     * @return alpha
     */
    public static double alphaFor(PromptSelection selection) {
        return selection.promptSet().kind() == PromptKind.SEGMENTATION ? SamsSeeder.ALPHA_FINE : SamsSeeder.ALPHA_COARSE;
    }

    /**
     * Computes the seed map of an image.
     *
     * @param image the decoded image
     * @param imageSha256 SHA-256 of its encoded bytes (superpixel cache key)
     * @param selection present classes and prompt set
     * @param amg mask-generation settings
     * @return seed map, CAMs, superpixels and timings
     */
    public SeedResult seed(RgbImage image, String imageSha256, PromptSelection selection, AmgSettings amg) {
        Map<String, Long> timings = new LinkedHashMap<>();
        long start = System.nanoTime();
        CamResult camResult = cams.compute(cams.preprocessor().apply(image), selection,
                CamSettings.forPromptSet(selection.promptSet()));
        long afterCam = System.nanoTime();
        List<QuasiSuperpixel> masks = superpixels.of(image, imageSha256, amg);
        long afterSam = System.nanoTime();
        double alpha = alphaFor(selection);
        SeedMap map = refine(masks, camResult.refined(), image.height(), image.width(), alpha);
        long end = System.nanoTime();
        stageTimings.record(Stage.SAMS, end - afterSam);
        timings.put("cam", (afterCam - start) / 1_000_000);
        timings.put("superpixels", (afterSam - afterCam) / 1_000_000);
        timings.put("sams", (end - afterSam) / 1_000_000);
        return new SeedResult(map, camResult, masks, alpha, timings);
    }

    /**
     * SAMS over any per-class score maps (spec §4 "Refinement of any score map"): maps are
     * upsampled bilinearly to the image size when needed, then classified per quasi-superpixel.
     *
     * @param masks quasi-superpixels of the image
     * @param scores {@code [C, h, w]} scores
     * @param height image rows
     * @param width image columns
     * @param alpha background exponent
     * @return the seed map
     */
    public static SeedMap refine(List<QuasiSuperpixel> masks, FloatTensor scores, int height, int width, double alpha) {
        FloatTensor full = scores.dim(1) == height && scores.dim(2) == width
                ? scores
                : ScoreMaps.upsampleBilinear(scores, height, width);
        return SamsSeeder.seed(masks, full, alpha);
    }

    /**
     * Returns the quasi-superpixel service.
     *
     * @return the service
     */
    public QuasiSuperpixels superpixels() {
        return superpixels;
    }

    /**
     * Returns the CAM engine.
     *
     * @return the engine
     */
    public CamEngine cams() {
        return cams;
    }
}
