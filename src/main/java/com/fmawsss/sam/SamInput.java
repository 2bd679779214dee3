package com.fmawsss.sam;

/**
 * A SAM encoder input: the image resized so its longest side is S, normalised and zero-padded to
 * S x S.
 *
 * @param pixels {@code [3, S, S]} channel-major
 * @param size S
 * @param resizedHeight rows of the resized image inside the padding
 * @param resizedWidth columns of the resized image
 * @param originalHeight rows of the source image (or crop)
 * @param originalWidth columns of the source image (or crop)
 */
public record SamInput(float[] pixels, int size, int resizedHeight, int resizedWidth, int originalHeight, int originalWidth) {

    /** Where the image sits in the encoder's frame (all that decoding and upscaling need). */
    public SamFrame frame() {
        return new SamFrame(size, resizedHeight, resizedWidth, originalHeight, originalWidth);
    }
}
