package com.fmawsss.training;

/**
 * Bilinear resizing (align_corners = false, no antialiasing) as a matrix, so that resizing a CAM
 * is {@code R_y · cam · R_xᵀ}: differentiable with plain matrix products, and identical to
 * PyTorch's {@code F.interpolate(..., mode="bilinear")} weights.
 */
public final class BilinearMatrix {

    private BilinearMatrix() {}

    /**
     * The {@code [out, in]} interpolation matrix of one axis.
     *
     * @param in source length
     * @param out target length
     * @return row-major weights
     */
    public static float[] of(int in, int out) {
        float[] matrix = new float[out * in];
        float scale = (float) in / out;
        for (int o = 0; o < out; o++) {
            float src = Math.max((o + 0.5f) * scale - 0.5f, 0f);
            int i0 = Math.min((int) src, in - 1);
            int i1 = Math.min(i0 + 1, in - 1);
            float lambda = src - i0;
            matrix[o * in + i0] += 1f - lambda;
            matrix[o * in + i1] += lambda;
        }
        return matrix;
    }
}
