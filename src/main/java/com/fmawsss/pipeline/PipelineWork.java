package com.fmawsss.pipeline;

import com.fmawsss.clip.PromptSelection;
import com.fmawsss.image.DecodedImage;
import com.fmawsss.progress.Progress;
import com.fmawsss.prompts.Vocabulary;
import com.fmawsss.sam.AmgSettings;
import com.fmawsss.tensors.FloatTensor;

/**
 * One piece of work for the device, in one of the forms the pipeline runs: what it costs (its
 * {@link WorkShape}, priced by the {@link CostModel}) and how it runs. Submitted through {@link
 * PipelineExecutor}, the only way pipeline work reaches the device.
 *
 * @param <R> what the work produces
 */
public sealed interface PipelineWork<R> {

    /** The work in each stage's cost unit (SAM is free when the image's superpixels are cached). */
    WorkShape shape(FmaPipeline pipeline);

    /** Runs the work on the calling thread (a worker of the device's scheduler). */
    R run(FmaPipeline pipeline, Progress progress);

    /** The seed map of an image: CAMs, quasi-superpixels (cached by the image's SHA-256) and SAMS. */
    record Seeds(DecodedImage image, PromptSelection selection, AmgSettings amg) implements PipelineWork<PipelineResult> {

        @Override
        public WorkShape shape(FmaPipeline pipeline) {
            return pipeline.shape(image.image(), selection.present(), true, amg,
                    pipeline.superpixelsCached(image.sha256(), amg));
        }

        @Override
        public PipelineResult run(FmaPipeline pipeline, Progress progress) {
            return pipeline.seed(image.image(), image.sha256(), selection, amg, progress);
        }
    }

    /** Pixel-level labels from the refined CAMs alone, without SAM. */
    record CamLabels(DecodedImage image, PromptSelection selection) implements PipelineWork<PipelineResult> {

        @Override
        public WorkShape shape(FmaPipeline pipeline) {
            return pipeline.shape(image.image(), selection.present(), true, null, false);
        }

        @Override
        public PipelineResult run(FmaPipeline pipeline, Progress progress) {
            return pipeline.camLabels(image.image(), selection, progress);
        }
    }

    /**
     * SAMS over uploaded score maps.
     *
     * @param scores {@code [C, h, w]} per-class scores
     * @param alpha background exponent
     */
    record RefinedScores(DecodedImage image, FloatTensor scores, double alpha, AmgSettings amg)
            implements PipelineWork<PipelineResult> {

        @Override
        public WorkShape shape(FmaPipeline pipeline) {
            return pipeline.shape(image.image(), scores.dim(0), false, amg, pipeline.superpixelsCached(image.sha256(), amg));
        }

        @Override
        public PipelineResult run(FmaPipeline pipeline, Progress progress) {
            return pipeline.refineScores(image.image(), image.sha256(), scores, alpha, amg, progress);
        }
    }

    /**
     * Measures this device: a small seed run twice, the second observed by the cost model
     * ({@link FmaPipeline#calibrate}). Its own estimate is unknown (zero).
     */
    record Calibration(Vocabulary vocabulary, AmgSettings amg) implements PipelineWork<Void> {

        @Override
        public WorkShape shape(FmaPipeline pipeline) {
            return WorkShape.NONE;
        }

        @Override
        public Void run(FmaPipeline pipeline, Progress progress) {
            pipeline.calibrate(vocabulary, amg, progress);
            return null;
        }
    }
}
