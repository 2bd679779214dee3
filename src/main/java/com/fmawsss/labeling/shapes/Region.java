package com.fmawsss.labeling.shapes;

/**
 * One 4-connected region of a label map, as a crop of its bounding box.
 *
 * @param label the label value of its pixels
 * @param left first column of the box
 * @param top first row of the box
 * @param right last column of the box (inclusive)
 * @param bottom last row of the box (inclusive)
 * @param crop row-major membership over the box, {@code (right - left + 1) * (bottom - top + 1)} values;
 *     other regions inside the box are false
 * @param area number of pixels
 */
public record Region(int label, int left, int top, int right, int bottom, boolean[] crop, long area) {

    /** Checks the box against the crop. */
    public Region {
        if (right < left || bottom < top || crop.length != (right - left + 1) * (bottom - top + 1)) {
            throw new IllegalArgumentException("crop does not match the box");
        }
    }

    /**
     * @return columns of the box
     */
    public int boxWidth() {
        return right - left + 1;
    }

    /**
     * @return rows of the box
     */
    public int boxHeight() {
        return bottom - top + 1;
    }
}
