package com.fmawsss.image;

/**
 * An 8-bit RGB image, row-major, 3 bytes per pixel (R, G, B).
 *
 * @param width columns
 * @param height rows
 * @param rgb {@code width * height * 3} bytes
 */
public record RgbImage(int width, int height, byte[] rgb) {

    /** Validates the buffer size. */
    public RgbImage {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("image dimensions must be positive, got " + width + "x" + height);
        }
        if ((long) width * height * 3 != rgb.length) {
            throw new IllegalArgumentException("RGB buffer of " + rgb.length + " bytes does not fit " + width + "x" + height);
        }
    }

    /**
     * Returns one channel value.
     *
     * @param x column
     * @param y row
     * @param channel 0 = R, 1 = G, 2 = B
     * @return the value 0-255
     */
    public int at(int x, int y, int channel) {
        return rgb[(y * width + x) * 3 + channel] & 0xff;
    }
}
