package com.fmawsss.clip;

/**
 * A preprocessed CLIP input: the image stretched to multiples of the patch size and normalised.
 *
 * @param pixels {@code [3, height, width]} CLIP-normalised values, channel-major
 * @param height rows after stretching ({@code ceil16(original height)})
 * @param width columns after stretching
 * @param originalHeight rows of the source image
 * @param originalWidth columns of the source image
 * @param patchSize the ViT patch size
 */
public record ClipInput(float[] pixels, int height, int width, int originalHeight, int originalWidth, int patchSize) {

    /** Validates the buffer and the patch alignment. */
    public ClipInput {
        if (pixels.length != 3 * height * width) {
            throw new IllegalArgumentException("pixel buffer does not match " + height + "x" + width);
        }
        if (height % patchSize != 0 || width % patchSize != 0) {
            throw new IllegalArgumentException("input size must be a multiple of the patch size " + patchSize);
        }
    }

    /**
     * Returns the patch-grid rows.
     *
     * @return {@code height / patchSize}
     */
    public int gridHeight() {
        return height / patchSize;
    }

    /**
     * Returns the patch-grid columns.
     *
     * @return {@code width / patchSize}
     */
    public int gridWidth() {
        return width / patchSize;
    }
}
