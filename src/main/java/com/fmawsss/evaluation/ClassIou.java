package com.fmawsss.evaluation;

/**
 * One row of the per-class table.
 *
 * @param label the label value (0 = background)
 * @param name the class name
 * @param iou {@code TP / (GT + P - TP)}, or {@code NaN} when the class is in neither ground truth
 *     nor prediction
 * @param groundTruthPixels scored pixels whose ground truth is this class
 * @param predictedPixels scored pixels predicted as this class
 * @param truePositives pixels that are both
 */
public record ClassIou(int label, String name, double iou, long groundTruthPixels, long predictedPixels,
        long truePositives) {

    /**
     * Tells whether the class counts towards the mean (non-zero union).
     *
     * @return true when the IoU is defined
     */
    public boolean counted() {
        return !Double.isNaN(iou);
    }
}
