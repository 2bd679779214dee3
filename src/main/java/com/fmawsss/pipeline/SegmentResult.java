package com.fmawsss.pipeline;

import com.fmawsss.sam.PromptMasks;
import java.util.List;
import java.util.Map;

/**
 * The answer to one click: a mask, how SAM rates it, and the class it most likely shows.
 *
 * @param mask row-major {@code width x height}
 * @param samOutput which of SAM's four outputs the mask is (0 single-mask, 1-3 multimask), or
 *     {@code -1} when it is a quasi-superpixel
 * @param level the quasi-superpixel level asked for (0 subpart, 1 part, 2 whole), or {@code null}
 * @param candidates SAM's four outputs, or {@code null} when a quasi-superpixel answered without decoding
 * @param proposal the class proposal, or {@code null} when none was asked for
 * @param embeddingCached whether the image's SAM embedding was kept (no encoder pass)
 * @param timingsMillis wall time per step: {@code superpixels}, {@code sam}, {@code cam}, {@code proposal}
 */
public record SegmentResult(int width, int height, boolean[] mask, float predictedIou, float stability, int samOutput,
        Integer level, PromptMasks candidates, ClassProposal proposal, boolean embeddingCached,
        Map<String, Long> timingsMillis) {

    /**
     * What the mask most likely shows.
     *
     * @param classes the scored classes, in request order
     * @param scores per class, the mask's mean normalised CAM in [0, 1]
     * @param background the background score {@code (1 - max)^alpha}
     * @param label {@code 0} background, {@code c + 1} class {@code c}
     * @param score the winning score
     * @param camsCached whether the image's CAMs for these classes were kept
     */
    public record ClassProposal(List<String> classes, float[] scores, float background, int label, float score,
            boolean camsCached) {

        public ClassProposal {
            classes = List.copyOf(classes);
        }

        /** The proposed class name, {@code null} for background. */
        public String name() {
            return label == 0 ? null : classes.get(label - 1);
        }
    }

    public SegmentResult {
        timingsMillis = Map.copyOf(timingsMillis);
    }
}
