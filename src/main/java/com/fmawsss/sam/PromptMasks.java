package com.fmawsss.sam;

import java.util.List;

/**
 * SAM's four answers to one prompt, at image resolution: mask 0 is the single-mask output, 1-3
 * the multimask outputs (subpart, part, whole).
 *
 * @param masks four row-major {@code width x height} masks (logit above the mask threshold)
 * @param predictedIou SAM's predicted IoU of each mask
 * @param stability IoU of each mask thresholded at {@code threshold ± 1} (SAM's stability score)
 * @param recommended the mask SAM's own tools show: the best multimask output for one point or a
 *     box alone, the single-mask output for more
 * @param embeddingCached whether the image's embedding was kept (no encoder pass)
 */
public record PromptMasks(int width, int height, List<boolean[]> masks, float[] predictedIou, float[] stability,
        int recommended, boolean embeddingCached) {

    /** Multimask output {@code 1 + level} is the mask of quasi-superpixel level {@code level} (0 subpart .. 2 whole). */
    public static int ofLevel(int level) {
        return 1 + level;
    }
}
