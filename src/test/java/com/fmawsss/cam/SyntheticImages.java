package com.fmawsss.cam;

import com.fmawsss.image.RgbImage;
import com.fmawsss.image.RgbImages;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;

/** Seeded synthetic test images: a colour gradient with a few filled discs and a little noise; and their encoded bytes. */
public final class SyntheticImages {

    private SyntheticImages() {}

    /**
     * Draws an image.
     *
     * @param width columns
     * @param height rows
     * @param seed random seed
     * @return the image
     */
    public static RgbImage discs(int width, int height, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int discs = 2 + random.nextInt(3);
        double[][] spec = new double[discs][];
        for (int d = 0; d < discs; d++) {
            spec[d] = new double[] {random.nextDouble() * width, random.nextDouble() * height,
                (0.1 + 0.25 * random.nextDouble()) * Math.min(width, height),
                random.nextInt(256), random.nextInt(256), random.nextInt(256)};
        }
        byte[] rgb = new byte[width * height * 3];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int[] colour = {x * 255 / width, y * 255 / height, 128};
                for (double[] d : spec) {
                    if (Math.hypot(x - d[0], y - d[1]) < d[2]) {
                        colour = new int[] {(int) d[3], (int) d[4], (int) d[5]};
                    }
                }
                for (int c = 0; c < 3; c++) {
                    int v = colour[c] + random.nextInt(11) - 5;
                    rgb[(y * width + x) * 3 + c] = (byte) Math.max(0, Math.min(255, v));
                }
            }
        }
        return new RgbImage(width, height, rgb);
    }

    /** {@link #discs} as PNG bytes; different seeds give different bytes (superpixel-cache misses). */
    public static byte[] discsPng(int width, int height, long seed) {
        return png(discs(width, height, seed));
    }

    public static byte[] png(RgbImage image) {
        return encode(RgbImages.toBufferedImage(image), "png");
    }

    /** @param format an ImageIO writer name: {@code png}, {@code jpeg}, {@code bmp}, ... */
    public static byte[] encode(BufferedImage image, String format) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            if (!ImageIO.write(image, format, out)) {
                throw new IllegalArgumentException("no ImageIO writer for " + format);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
