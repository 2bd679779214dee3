package com.fmawsss.sam;

/**
 * Where an image (or crop) sits in SAM's {@code S x S} encoder frame: resized so its longest side
 * is S, then padded at the bottom and right.
 *
 * @param size S
 * @param resizedHeight rows of the resized image inside the padding
 * @param resizedWidth columns of the resized image
 * @param originalHeight rows of the source image (or crop)
 * @param originalWidth columns of the source image (or crop)
 */
public record SamFrame(int size, int resizedHeight, int resizedWidth, int originalHeight, int originalWidth) {

    /**
     * SAM's {@code apply_coords}: a point of the source image (pixels, x right, y down) in the
     * encoder frame, computed in double and rounded to float, the decoder's input type.
     */
    public float[] toFrame(double x, double y) {
        return new float[] {(float) (x * ((double) resizedWidth / originalWidth)),
            (float) (y * ((double) resizedHeight / originalHeight))};
    }
}
