package com.fmawsss.sams;

import com.fmawsss.tensors.FloatTensor;

/**
 * Resampling of per-class score maps from the patch grid to image resolution (spec §8).
 */
public final class ScoreMaps {

    private ScoreMaps() {}

    /**
     * Upsamples (or downsamples) {@code [C, h, w]} maps bilinearly like PyTorch's
     * {@code F.interpolate(x, size=(H, W), mode="bilinear", align_corners=False)} on float32.
     *
     * <p>Per axis, as ATen computes it in float: {@code scale = (float) in / out}, source
     * coordinate {@code max(scale * (dst + 0.5) - 0.5, 0)}, {@code i0 = floor}, {@code i1 =
     * min(i0 + 1, in - 1)}, {@code lambda = src - i0}; an axis whose size is unchanged is copied.
     * Each output is {@code (x00*w0 + x01*w1)*h0 + (x10*w0 + x11*w1)*h1}. The multiply-adds are
     * fused exactly where the x86-64 PyTorch build fuses them (its kernels are compiled with FMA
     * contraction), which makes the result bit-identical to ATen's generic CPU kernel, the one used
     * for image-sized outputs. For tiny outputs ({@code H + W <= 128}) ATen switches to a
     * channels-last kernel that sums the four terms in another order; there results differ in the
     * last bit or two.
     *
     * @param scores the maps, {@code [C, h, w]} with {@code h, w >= 1}
     * @param height output height H
     * @param width output width W
     * @return the maps, {@code [C, H, W]}; the input itself when the size is unchanged
     */
    public static FloatTensor upsampleBilinear(FloatTensor scores, int height, int width) {
        if (scores.rank() != 3) {
            throw new IllegalArgumentException("score maps must be [C, h, w], got " + scores);
        }
        int channels = scores.dim(0);
        int inHeight = scores.dim(1);
        int inWidth = scores.dim(2);
        if (inHeight < 1 || inWidth < 1 || height < 1 || width < 1) {
            throw new IllegalArgumentException("cannot resample " + scores + " to [" + height + ", " + width + "]");
        }
        if (inHeight == height && inWidth == width) {
            return scores;
        }
        Axis rows = Axis.of(inHeight, height);
        Axis cols = Axis.of(inWidth, width);
        float[] in = scores.data();
        float[] out = new float[Math.toIntExact((long) channels * height * width)];
        int o = 0;
        for (int c = 0; c < channels; c++) {
            int plane = c * inHeight * inWidth;
            for (int y = 0; y < height; y++) {
                int row0 = plane + rows.index0[y] * inWidth;
                int row1 = plane + rows.index1[y] * inWidth;
                float h0 = rows.lambda0[y];
                float h1 = rows.lambda1[y];
                for (int x = 0; x < width; x++) {
                    int x0 = cols.index0[x];
                    int x1 = cols.index1[x];
                    float w0 = cols.lambda0[x];
                    float w1 = cols.lambda1[x];
                    float top = Math.fma(in[row0 + x0], w0, in[row0 + x1] * w1);
                    float bottom = Math.fma(in[row1 + x0], w0, in[row1 + x1] * w1);
                    out[o++] = Math.fma(top, h0, bottom * h1);
                }
            }
        }
        return FloatTensor.of(out, channels, height, width);
    }

    /** Source indices and weights of one axis (ATen's {@code compute_source_index_and_lambda}). */
    private record Axis(int[] index0, int[] index1, float[] lambda0, float[] lambda1) {

        static Axis of(int in, int out) {
            int[] index0 = new int[out];
            int[] index1 = new int[out];
            float[] lambda0 = new float[out];
            float[] lambda1 = new float[out];
            float scale = (float) in / out;
            for (int d = 0; d < out; d++) {
                if (in == out) {
                    index0[d] = d;
                    index1[d] = d;
                    lambda0[d] = 1f;
                    continue;
                }
                // Fused like ATen's area_pixel_compute_source_index in the FMA-enabled build.
                float source = Math.max(Math.fma(scale, d + 0.5f, -0.5f), 0f);
                int i0 = Math.min((int) Math.floor(source), in - 1);
                float lambda = Math.min(Math.max(source - i0, 0f), 1f);
                index0[d] = i0;
                index1[d] = i0 < in - 1 ? i0 + 1 : i0;
                lambda0[d] = 1f - lambda;
                lambda1[d] = lambda;
            }
            return new Axis(index0, index1, lambda0, lambda1);
        }
    }
}
