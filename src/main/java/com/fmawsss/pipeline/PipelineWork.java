package com.fmawsss.pipeline;

import com.fmawsss.clip.PromptSelection;
import com.fmawsss.image.DecodedImage;
import com.fmawsss.progress.Progress;
import com.fmawsss.prompts.Vocabulary;
import com.fmawsss.sam.AmgSettings;
import com.fmawsss.sam.SamPrompt;
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

    /** The image the work is about, remembered by the door so later clicks may name it by hash; {@code null} for none. */
    default DecodedImage image() {
        return null;
    }

    /** The seed map of an image: CAMs, quasi-superpixels (cached by the image's SHA-256) and SAMS. */
    record Seeds(DecodedImage image, PromptSelection selection, AmgSettings amg) implements PipelineWork<PipelineResult> {

        @Override
        public WorkShape shape(FmaPipeline pipeline) {
            return pipeline.shapeNow(image.image(), image.sha256(), selection.present(), true, amg);
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
            return pipeline.shapeNow(image.image(), image.sha256(), scores.dim(0), false, amg);
        }

        @Override
        public PipelineResult run(FmaPipeline pipeline, Progress progress) {
            return pipeline.refineScores(image.image(), image.sha256(), scores, alpha, amg, progress);
        }
    }

    /**
     * The answer to one click: SAM's mask for the prompt (or the quasi-superpixel of {@code level}
     * under it), and with a selection the class the mask most likely shows.
     *
     * @param selection classes to propose from, or {@code null}
     * @param level 0 subpart, 1 part, 2 whole, or {@code null}
     * @param amg mask-generation settings of the quasi-superpixels ({@code level} only)
     */
    record Segment(DecodedImage image, SamPrompt prompt, PromptSelection selection, Integer level, AmgSettings amg)
            implements PipelineWork<SegmentResult> {

        @Override
        public WorkShape shape(FmaPipeline pipeline) {
            return pipeline.segmentShape(image.image(), image.sha256(), selection, level, amg);
        }

        @Override
        public SegmentResult run(FmaPipeline pipeline, Progress progress) {
            return pipeline.segment(image.image(), image.sha256(), prompt, selection, level, amg, progress);
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
