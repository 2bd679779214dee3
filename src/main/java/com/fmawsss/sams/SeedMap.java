package com.fmawsss.sams;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A SAMS seed map: one label per pixel plus the decision taken for every quasi-superpixel.
 *
 * @param width image width W
 * @param height image height H
 * @param labels row-major {@code labels[y * width + x]}: {@code 0} background (also where no
 *     quasi-superpixel covers the pixel), {@code c + 1} for class {@code c} of the score maps
 * @param decisions one per input quasi-superpixel, in input order
 */
public record SeedMap(int width, int height, int[] labels, List<MaskDecision> decisions) {

    /** Validates the size and copies the labels. */
    public SeedMap {
        if (width < 0 || height < 0 || (long) width * height != labels.length) {
            throw new IllegalArgumentException(
                    labels.length + " labels do not fill a " + width + "x" + height + " map");
        }
        labels = labels.clone();
        decisions = List.copyOf(decisions);
    }

    /**
     * @return a copy, row-major
     */
    @Override
    public int[] labels() {
        return labels.clone();
    }

    public int labelAt(int x, int y) {
        Objects.checkIndex(x, width);
        Objects.checkIndex(y, height);
        return labels[y * width + x];
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof SeedMap that
                && width == that.width
                && height == that.height
                && Arrays.equals(labels, that.labels)
                && decisions.equals(that.decisions);
    }

    @Override
    public int hashCode() {
        return ((31 * width + height) * 31 + Arrays.hashCode(labels)) * 31 + decisions.hashCode();
    }

    @Override
    public String toString() {
        return "SeedMap[" + width + "x" + height + ", " + decisions.size() + " masks]";
    }
}
