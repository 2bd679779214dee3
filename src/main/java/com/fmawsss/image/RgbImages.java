package com.fmawsss.image;

import java.awt.image.BufferedImage;

/** Conversions between {@link RgbImage} and {@link BufferedImage}. */
public final class RgbImages {

    private RgbImages() {}

    /**
     * Copies a decoded image into 8-bit RGB (alpha dropped, grey expanded).
     *
     * @return the RGB copy
     */
    public static RgbImage of(BufferedImage image) {
        int width = image.getWidth();
        int height = image.getHeight();
        int[] argb = image.getRGB(0, 0, width, height, null, 0, width);
        byte[] rgb = new byte[width * height * 3];
        for (int i = 0; i < argb.length; i++) {
            rgb[i * 3] = (byte) (argb[i] >>> 16);
            rgb[i * 3 + 1] = (byte) (argb[i] >>> 8);
            rgb[i * 3 + 2] = (byte) argb[i];
        }
        return new RgbImage(width, height, rgb);
    }

    /** Copies an RGB image into a {@link BufferedImage} of type {@code TYPE_INT_RGB}. */
    public static BufferedImage toBufferedImage(RgbImage image) {
        BufferedImage out = new BufferedImage(image.width(), image.height(), BufferedImage.TYPE_INT_RGB);
        byte[] rgb = image.rgb();
        int[] packed = new int[image.width() * image.height()];
        for (int i = 0; i < packed.length; i++) {
            packed[i] = (rgb[i * 3] & 0xff) << 16 | (rgb[i * 3 + 1] & 0xff) << 8 | (rgb[i * 3 + 2] & 0xff);
        }
        out.setRGB(0, 0, image.width(), image.height(), packed, 0, image.width());
        return out;
    }
}
