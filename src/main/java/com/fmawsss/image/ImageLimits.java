package com.fmawsss.image;

/**
 * Limits applied to an uploaded image before its pixels are decoded.
 *
 * @param maxPixels largest accepted {@code width * height} as declared by the header
 * @param minSide smallest accepted width and height
 * @param maxBytes largest accepted upload size in bytes
 */
public record ImageLimits(long maxPixels, int minSide, long maxBytes) {

    /** Default pixel limit: 40 megapixels, about 160 MB of ARGB while decoding. */
    public static final long DEFAULT_MAX_PIXELS = 40_000_000L;

    /** Default minimum side: 2, the smallest image the preprocessing can resize sensibly. */
    public static final int DEFAULT_MIN_SIDE = 2;

    /** Default upload size limit: 20 MiB. */
    public static final long DEFAULT_MAX_BYTES = 20L * 1024 * 1024;

    /** Validates the limits. */
    public ImageLimits {
        if (maxPixels < 1) {
            throw new IllegalArgumentException("maxPixels must be positive, got " + maxPixels);
        }
        if (minSide < 1) {
            throw new IllegalArgumentException("minSide must be at least 1, got " + minSide);
        }
        if (maxBytes < 1) {
            throw new IllegalArgumentException("maxBytes must be positive, got " + maxBytes);
        }
    }

    /**
     * Returns the default limits.
     *
     * @return 40 MP, minimum side 2, 20 MiB
     */
    public static ImageLimits defaults() {
        return new ImageLimits(DEFAULT_MAX_PIXELS, DEFAULT_MIN_SIDE, DEFAULT_MAX_BYTES);
    }

    /**
     * Returns a copy with another minimum side.
     *
     * @param side the minimum width and height
     */
    public ImageLimits withMinSide(int side) {
        return new ImageLimits(maxPixels, side, maxBytes);
    }

    /**
     * Returns a copy with another pixel limit.
     *
     * @param pixels the largest accepted pixel count
     */
    public ImageLimits withMaxPixels(long pixels) {
        return new ImageLimits(pixels, minSide, maxBytes);
    }

    /**
     * Returns a copy with another size limit.
     *
     * @param bytes the largest accepted upload size
     */
    public ImageLimits withMaxBytes(long bytes) {
        return new ImageLimits(maxPixels, minSide, bytes);
    }
}
