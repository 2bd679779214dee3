package com.fmawsss.sams;

import com.fmawsss.tensors.FloatTensor;

/**
 * The class one mask most likely shows (a click's mask, "probably dog"), scored the way SAMS scores
 * a quasi-superpixel, except that each class is normalised over the image's pixels (as {@link
 * DenseSeeds} does) instead of over a set of masks, since there is only one: scores upsampled
 * bilinearly to the image and ReLU'd, min-max per class over the image (eps 1e-7), the mask's mean
 * of each normalised class, background {@code (1 - max)^alpha}, the argmax with ties to background.
 */
public final class MaskProposal {

    /**
     * @param label {@code 0} background, {@code c + 1} class {@code c}
     * @param score the winning score in [0, 1]
     * @param classScores per class, the mask's mean normalised score
     * @param background {@code (1 - max classScores)^alpha}
     */
    public record Scored(int label, float score, float[] classScores, float background) {}

    private MaskProposal() {}

    /**
     * @param mask row-major {@code width x height}
     * @param scores {@code [C, h, w]} per-class scores at any resolution
     */
    public static Scored score(boolean[] mask, FloatTensor scores, int height, int width, double alpha) {
        FloatTensor full = ScoreMaps.upsampleBilinear(scores, height, width);
        int classes = full.dim(0);
        int pixels = height * width;
        float[] data = full.data();
        float[] means = new float[classes];
        long area = 0;
        for (boolean on : mask) {
            area += on ? 1 : 0;
        }
        float best = 0f;
        for (int c = 0; c < classes; c++) {
            float min = Float.POSITIVE_INFINITY;
            float max = Float.NEGATIVE_INFINITY;
            for (int p = 0; p < pixels; p++) {
                float v = Math.max(data[c * pixels + p], 0f);
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
            double sum = 0;
            for (int p = 0; p < pixels; p++) {
                if (mask[p]) {
                    sum += (Math.max(data[c * pixels + p], 0f) - min) / (max - min + 1e-7f);
                }
            }
            means[c] = area == 0 ? 0f : (float) (sum / area);
            best = Math.max(best, means[c]);
        }
        float background = (float) Math.pow(1f - best, (float) alpha);
        int label = 0;
        float score = background;
        for (int c = 0; c < classes; c++) {
            if (means[c] > score) { // strict: ties go to the lower index, background first
                score = means[c];
                label = c + 1;
            }
        }
        return new Scored(label, score, means, background);
    }
}
