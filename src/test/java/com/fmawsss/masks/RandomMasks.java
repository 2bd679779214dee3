package com.fmawsss.masks;

import java.util.SplittableRandom;

/** Random binary masks for tests: blobs like SAM's, salt-and-pepper noise, stripes. */
public final class RandomMasks {

    private RandomMasks() {}

    /**
     * A union of a few random ellipses and rectangles, row-major.
     *
     * @param random the source
     * @param height H
     * @param width W
     * @param shapes how many shapes
     * @return the mask
     */
    public static boolean[] blobs(SplittableRandom random, int height, int width, int shapes) {
        boolean[] mask = new boolean[height * width];
        for (int s = 0; s < shapes; s++) {
            double cy = random.nextDouble(-0.1, 1.1) * height;
            double cx = random.nextDouble(-0.1, 1.1) * width;
            double ry = random.nextDouble(0.05, 0.4) * height + 0.5;
            double rx = random.nextDouble(0.05, 0.4) * width + 0.5;
            boolean ellipse = random.nextBoolean();
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    double dy = (y - cy) / ry;
                    double dx = (x - cx) / rx;
                    boolean inside = ellipse ? dx * dx + dy * dy <= 1 : Math.abs(dx) <= 1 && Math.abs(dy) <= 1;
                    mask[y * width + x] |= inside;
                }
            }
        }
        return mask;
    }

    /**
     * Independent pixels set with probability {@code p}, row-major.
     *
     * @param random the source
     * @param height H
     * @param width W
     * @param p probability of a set pixel
     * @return the mask
     */
    public static boolean[] noise(SplittableRandom random, int height, int width, double p) {
        boolean[] mask = new boolean[height * width];
        for (int i = 0; i < mask.length; i++) {
            mask[i] = random.nextDouble() < p;
        }
        return mask;
    }
}
