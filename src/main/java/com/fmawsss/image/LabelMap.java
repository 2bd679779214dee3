package com.fmawsss.image;

import java.util.Arrays;

/**
 * A per-pixel label map, row-major, labels 0-255 (VOC convention: 0 background, 255 ignore).
 *
 * @param width columns
 * @param height rows
 * @param labels {@code width * height} labels
 */
public record LabelMap(int width, int height, int[] labels) {

    /** Validates the size and the label range. */
    public LabelMap {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("label map dimensions must be positive, got " + width + "x" + height);
        }
        if ((long) width * height != labels.length) {
            throw new IllegalArgumentException(labels.length + " labels do not fit " + width + "x" + height);
        }
        for (int label : labels) {
            if (label < 0 || label > 255) {
                throw new IllegalArgumentException("labels must be 0-255, got " + label);
            }
        }
    }

    public int at(int x, int y) {
        return labels[y * width + x];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LabelMap other
                && width == other.width && height == other.height && Arrays.equals(labels, other.labels);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * width + height) + Arrays.hashCode(labels);
    }

    @Override
    public String toString() {
        return "LabelMap[" + width + "x" + height + "]";
    }
}
