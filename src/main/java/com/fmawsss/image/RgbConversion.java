package com.fmawsss.image;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;

/**
 * Converts any decoded {@link BufferedImage} to 8-bit RGB from its raw samples, the way Pillow's
 * {@code convert("RGB")} (which the reference pipeline uses) does:
 * <ul>
 *   <li>grey samples are replicated. {@link BufferedImage#getRGB} is not used for grey because
 *       Java2D treats grey as linear and would brighten 128 to 188;</li>
 *   <li>alpha is dropped, not composited (Pillow drops it too, and compositing over an arbitrary
 *       background colour would invent pixel values the model never saw in training);</li>
 *   <li>samples wider than 8 bits keep their high byte (Pillow and libpng do the same for 16-bit
 *       RGB); narrower ones are scaled to 0-255;</li>
 *   <li>RGB samples are taken as sRGB whatever the colour space says (embedded ICC profiles are
 *       removed before decoding for the same reason).</li>
 * </ul>
 * Only images in other colour spaces (e.g. CMYK that a reader did not convert) go through Java2D
 * colour conversion.
 */
final class RgbConversion {

    private RgbConversion() {}

    static RgbImage toRgb(BufferedImage image) {
        int width = image.getWidth();
        int height = image.getHeight();
        ColorModel cm = image.getColorModel();
        Raster raster = image.getRaster();
        byte[] rgb = new byte[Math.multiplyExact(Math.multiplyExact(width, height), 3)];
        int[] row = new int[width];
        if (cm instanceof IndexColorModel palette) {
            for (int y = 0; y < height; y++) {
                raster.getSamples(0, y, width, 1, 0, row);
                for (int x = 0; x < width; x++) {
                    // Out-of-palette indices (a PNG error) become black rather than an exception.
                    int argb = row[x] < palette.getMapSize() ? palette.getRGB(row[x]) : 0;
                    put(rgb, y * width + x, argb >>> 16, argb >>> 8, argb);
                }
            }
            return new RgbImage(width, height, rgb);
        }
        int colourBands = cm.getNumColorComponents();
        int spaceType = cm.getColorSpace().getType();
        if (spaceType == ColorSpace.TYPE_GRAY && colourBands == 1) {
            int bits = cm.getComponentSize(0);
            for (int y = 0; y < height; y++) {
                raster.getSamples(0, y, width, 1, 0, row);
                for (int x = 0; x < width; x++) {
                    int v = to8Bit(row[x], bits);
                    put(rgb, y * width + x, v, v, v);
                }
            }
        } else if (spaceType == ColorSpace.TYPE_RGB && colourBands == 3) {
            for (int band = 0; band < 3; band++) {
                int bits = cm.getComponentSize(band);
                for (int y = 0; y < height; y++) {
                    raster.getSamples(0, y, width, 1, band, row);
                    int base = y * width * 3 + band;
                    for (int x = 0; x < width; x++) {
                        rgb[base + x * 3] = (byte) to8Bit(row[x], bits);
                    }
                }
            }
        } else {
            for (int y = 0; y < height; y++) {
                image.getRGB(0, y, width, 1, row, 0, width);
                for (int x = 0; x < width; x++) {
                    put(rgb, y * width + x, row[x] >>> 16, row[x] >>> 8, row[x]);
                }
            }
        }
        return new RgbImage(width, height, rgb);
    }

    /** Maps a sample of the given bit width to 0-255. */
    static int to8Bit(int value, int bits) {
        if (bits == 8) {
            return value & 0xff;
        }
        if (bits > 8) {
            return (value >>> (bits - 8)) & 0xff;
        }
        int max = (1 << bits) - 1;
        return (value * 255 + max / 2) / max;
    }

    private static void put(byte[] rgb, int pixel, int r, int g, int b) {
        rgb[pixel * 3] = (byte) r;
        rgb[pixel * 3 + 1] = (byte) g;
        rgb[pixel * 3 + 2] = (byte) b;
    }
}
