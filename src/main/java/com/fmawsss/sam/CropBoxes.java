package com.fmawsss.sam;

import java.util.ArrayList;
import java.util.List;

/**
 * SAM's multi-layer crops: layer 0 is the whole image, layer i tiles it into {@code 2^i x 2^i}
 * overlapping crops (SAM {@code generate_crop_boxes}).
 */
public final class CropBoxes {

    private CropBoxes() {}

    /**
     * One crop.
     *
     * @param x0 left column (inclusive)
     * @param y0 top row (inclusive)
     * @param x1 right column (exclusive)
     * @param y1 bottom row (exclusive)
     * @param layer crop layer
     */
    public record Crop(int x0, int y0, int x1, int y1, int layer) {
        /**
         * @return {@code x1 - x0}
         */
        public int width() {
            return x1 - x0;
        }

        /**
         * @return {@code y1 - y0}
         */
        public int height() {
            return y1 - y0;
        }

        /**
         * @return {@code width * height}
         */
        public long area() {
            return (long) width() * height();
        }
    }

    /**
     * Generates the crops of an image.
     *
     * @param width image columns
     * @param height image rows
     * @param layers crop layers beyond the full image
     * @param overlapRatio overlap as a fraction of the short side
     * @return full image first, then each layer's crops (x outer, y inner)
     */
    public static List<Crop> generate(int width, int height, int layers, double overlapRatio) {
        List<Crop> crops = new ArrayList<>();
        crops.add(new Crop(0, 0, width, height, 0));
        int shortSide = Math.min(width, height);
        for (int layer = 0; layer < layers; layer++) {
            int perSide = 1 << (layer + 1);
            int overlap = (int) (overlapRatio * shortSide * (2.0 / perSide));
            int cropW = cropLength(width, perSide, overlap);
            int cropH = cropLength(height, perSide, overlap);
            for (int i = 0; i < perSide; i++) {
                int x0 = (cropW - overlap) * i;
                for (int j = 0; j < perSide; j++) {
                    int y0 = (cropH - overlap) * j;
                    crops.add(new Crop(x0, y0, Math.min(x0 + cropW, width), Math.min(y0 + cropH, height), layer + 1));
                }
            }
        }
        return crops;
    }

    private static int cropLength(int length, int crops, int overlap) {
        return (int) Math.ceil((overlap * (crops - 1) + length) / (double) crops);
    }

    /**
     * SAM's point grid {@code build_point_grid(n)}: cell centres of an n x n grid on [0, 1]^2, x
     * varying fastest.
     *
     * @param perSide n
     * @return {@code 2 n^2} values (x, y) pairs
     */
    public static double[] pointGrid(int perSide) {
        double offset = 1.0 / (2 * perSide);
        double[] side = new double[perSide];
        for (int i = 0; i < perSide; i++) {
            // numpy linspace(offset, 1 - offset, n): start + i * step, last value exact.
            side[i] = perSide == 1 ? offset : offset + i * ((1 - offset - offset) / (perSide - 1));
        }
        if (perSide > 1) {
            side[perSide - 1] = 1 - offset;
        }
        double[] points = new double[2 * perSide * perSide];
        for (int y = 0; y < perSide; y++) {
            for (int x = 0; x < perSide; x++) {
                points[2 * (y * perSide + x)] = side[x];
                points[2 * (y * perSide + x) + 1] = side[y];
            }
        }
        return points;
    }
}
