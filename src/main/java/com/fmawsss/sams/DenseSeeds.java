package com.fmawsss.sams;

import com.fmawsss.tensors.FloatTensor;

/**
 * Pixel-level labels straight from CAMs, without SAM ({@code refine=none}): the same scoring as
 * SAMS with every pixel as its own region — scores upsampled bilinearly and ReLU'd, per-class
 * min-max over the image (eps 1e-7), background {@code (1 - max)^alpha}, argmax with ties to
 * background.
 */
public final class DenseSeeds {

    private DenseSeeds() {}

    /**
     * Labels every pixel.
     *
     * @param scores {@code [C, h, w]} scores (any resolution)
     * @param height image rows
     * @param width image columns
     * @param alpha background exponent
     * @return row-major labels, 0 = background, c + 1 = class c
     */
    public static int[] label(FloatTensor scores, int height, int width, double alpha) {
        FloatTensor full = ScoreMaps.upsampleBilinear(scores, height, width);
        int classes = full.dim(0);
        int pixels = height * width;
        float[] data = full.data();
        float[] min = new float[classes];
        float[] max = new float[classes];
        for (int c = 0; c < classes; c++) {
            min[c] = Float.POSITIVE_INFINITY;
            max[c] = Float.NEGATIVE_INFINITY;
            for (int p = 0; p < pixels; p++) {
                float v = Math.max(data[c * pixels + p], 0f);
                min[c] = Math.min(min[c], v);
                max[c] = Math.max(max[c], v);
            }
        }
        int[] labels = new int[pixels];
        for (int p = 0; p < pixels; p++) {
            float best = Float.NEGATIVE_INFINITY;
            float top = 0f;
            float[] normalised = new float[classes];
            for (int c = 0; c < classes; c++) {
                float v = Math.max(data[c * pixels + p], 0f);
                normalised[c] = (v - min[c]) / (max[c] - min[c] + 1e-7f);
                top = Math.max(top, normalised[c]);
            }
            best = (float) Math.pow(1f - top, (float) alpha);
            int label = 0;
            for (int c = 0; c < classes; c++) {
                if (normalised[c] > best) {
                    best = normalised[c];
                    label = c + 1;
                }
            }
            labels[p] = label;
        }
        return labels;
    }
}
