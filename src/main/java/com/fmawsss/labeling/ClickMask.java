package com.fmawsss.labeling;

/**
 * SAM's mask for one interactive prompt, as the annotation tools see it.
 *
 * @param width image columns (after EXIF orientation)
 * @param height image rows
 * @param mask row-major {@code width x height}, true inside the object
 * @param predictedIou SAM's own estimate of the mask's IoU with the object
 */
public record ClickMask(int width, int height, boolean[] mask, double predictedIou) {

    public ClickMask {
        if (mask.length != width * height) {
            throw new IllegalArgumentException("mask holds " + mask.length + " values for a " + width + "x" + height + " image");
        }
    }

    /** Pixels inside the mask. */
    public int area() {
        int area = 0;
        for (boolean inside : mask) {
            if (inside) {
                area++;
            }
        }
        return area;
    }
}
