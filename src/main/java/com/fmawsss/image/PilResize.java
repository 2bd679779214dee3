package com.fmawsss.image;

/**
 * Pillow's {@code Image.resize} for 8-bit RGB images with the BICUBIC (CLIP preprocessing) and
 * BILINEAR (SAM preprocessing) filters, reproduced bit for bit: separable two-pass convolution
 * (horizontal first), filter support widened by the scale when downsampling (antialiasing),
 * coefficients normalised and quantised to 22-bit fixed point, uint8 rounding and clipping after
 * each pass.
 */
public final class PilResize {

    /** Resampling filter. */
    public enum Filter {
        /** Keys cubic with a = -0.5, support 2. */
        BICUBIC(2.0),
        /** Triangle filter, support 1. */
        BILINEAR(1.0);

        private final double support;

        Filter(double support) {
            this.support = support;
        }

        double weight(double x) {
            double ax = Math.abs(x);
            if (this == BILINEAR) {
                return ax < 1.0 ? 1.0 - ax : 0.0;
            }
            final double a = -0.5;
            if (ax < 1.0) {
                return ((a + 2.0) * ax - (a + 3.0)) * ax * ax + 1;
            }
            if (ax < 2.0) {
                return (((ax - 5) * ax + 8) * ax - 4) * a;
            }
            return 0.0;
        }
    }

    private static final int PRECISION_BITS = 32 - 8 - 2;

    private PilResize() {}

    /**
     * Resizes an image.
     *
     * @param image the source
     * @param width target columns
     * @param height target rows
     * @return the resized image (the source itself when the size is unchanged)
     */
    public static RgbImage resize(RgbImage image, int width, int height, Filter filter) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("target size must be positive");
        }
        if (width == image.width() && height == image.height()) {
            return image;
        }
        Coefficients vertical = Coefficients.of(image.height(), height, filter);
        RgbImage horizontalPass = image;
        int firstRow = 0;
        if (width != image.width()) {
            // Only the source rows the vertical pass will read are resampled horizontally.
            firstRow = vertical.bounds[0];
            int lastRow = vertical.bounds[2 * (height - 1)] + vertical.bounds[2 * (height - 1) + 1];
            horizontalPass = horizontal(image, width, firstRow, lastRow - firstRow, Coefficients.of(image.width(), width, filter));
        }
        if (height == image.height()) {
            return horizontalPass;
        }
        return vertical(horizontalPass, height, firstRow, vertical);
    }

    private static RgbImage horizontal(RgbImage in, int outWidth, int firstRow, int rows, Coefficients c) {
        byte[] src = in.rgb();
        byte[] out = new byte[outWidth * rows * 3];
        int inStride = in.width() * 3;
        for (int y = 0; y < rows; y++) {
            int rowBase = (y + firstRow) * inStride;
            for (int x = 0; x < outWidth; x++) {
                int min = c.bounds[2 * x];
                int count = c.bounds[2 * x + 1];
                int kBase = x * c.kernelSize;
                int r = 1 << (PRECISION_BITS - 1);
                int g = r;
                int b = r;
                for (int k = 0; k < count; k++) {
                    int w = c.weights[kBase + k];
                    int p = rowBase + (min + k) * 3;
                    r += (src[p] & 0xff) * w;
                    g += (src[p + 1] & 0xff) * w;
                    b += (src[p + 2] & 0xff) * w;
                }
                int o = (y * outWidth + x) * 3;
                out[o] = clip8(r);
                out[o + 1] = clip8(g);
                out[o + 2] = clip8(b);
            }
        }
        return new RgbImage(outWidth, rows, out);
    }

    private static RgbImage vertical(RgbImage in, int outHeight, int rowOffset, Coefficients c) {
        byte[] src = in.rgb();
        int width = in.width();
        byte[] out = new byte[width * outHeight * 3];
        for (int y = 0; y < outHeight; y++) {
            int min = c.bounds[2 * y] - rowOffset;
            int count = c.bounds[2 * y + 1];
            int kBase = y * c.kernelSize;
            for (int x = 0; x < width; x++) {
                int r = 1 << (PRECISION_BITS - 1);
                int g = r;
                int b = r;
                for (int k = 0; k < count; k++) {
                    int w = c.weights[kBase + k];
                    int p = ((min + k) * width + x) * 3;
                    r += (src[p] & 0xff) * w;
                    g += (src[p + 1] & 0xff) * w;
                    b += (src[p + 2] & 0xff) * w;
                }
                int o = (y * width + x) * 3;
                out[o] = clip8(r);
                out[o + 1] = clip8(g);
                out[o + 2] = clip8(b);
            }
        }
        return new RgbImage(width, outHeight, out);
    }

    private static byte clip8(int value) {
        if (value >= (1 << PRECISION_BITS << 8)) {
            return (byte) 255;
        }
        if (value <= 0) {
            return 0;
        }
        return (byte) (value >> PRECISION_BITS);
    }

    /** Per output pixel: first input index, tap count and fixed-point weights. */
    private record Coefficients(int kernelSize, int[] bounds, int[] weights) {

        static Coefficients of(int inSize, int outSize, Filter filter) {
            double scale = (double) inSize / outSize;
            double filterScale = Math.max(scale, 1.0);
            double support = filter.support * filterScale;
            int kernelSize = (int) Math.ceil(support) * 2 + 1;
            int[] bounds = new int[outSize * 2];
            int[] weights = new int[outSize * kernelSize];
            double[] k = new double[kernelSize];
            for (int xx = 0; xx < outSize; xx++) {
                double center = (xx + 0.5) * scale;
                double ss = 1.0 / filterScale;
                int min = Math.max((int) (center - support + 0.5), 0);
                int max = Math.min((int) (center + support + 0.5), inSize) - min;
                double sum = 0.0;
                for (int x = 0; x < max; x++) {
                    k[x] = filter.weight((x + min - center + 0.5) * ss);
                    sum += k[x];
                }
                for (int x = 0; x < max; x++) {
                    double w = sum != 0.0 ? k[x] / sum : k[x];
                    weights[xx * kernelSize + x] = (int) (w < 0 ? -0.5 + w * (1 << PRECISION_BITS) : 0.5 + w * (1 << PRECISION_BITS));
                }
                bounds[2 * xx] = min;
                bounds[2 * xx + 1] = max;
            }
            return new Coefficients(kernelSize, bounds, weights);
        }
    }
}
