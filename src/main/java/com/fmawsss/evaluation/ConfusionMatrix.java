package com.fmawsss.evaluation;

import com.fmawsss.image.LabelMap;
import java.util.Arrays;

/**
 * Pixel counts of (ground truth, prediction) pairs over {@code numClasses} labels (background
 * included: labels {@code 0..numClasses-1}); ground-truth pixels labelled 255 are ignored.
 *
 * <p>Equivalent to NumPy's {@code np.bincount(n * gt[k] + pred[k], minlength=n*n).reshape(n, n)}
 * with {@code k = (gt >= 0) & (gt < n)}. Accumulates in place; not thread-safe — give each worker
 * its own matrix and {@link #merge} them.
 */
public final class ConfusionMatrix {

    /** The ground-truth label that is not scored. */
    public static final int IGNORE = 255;

    private final int numClasses;
    private final long[] counts;

    /**
     * Creates an empty matrix.
     *
     * @param numClasses number of labels including background (21 for VOC, 81 for COCO)
     */
    public ConfusionMatrix(int numClasses) {
        if (numClasses < 1 || numClasses > IGNORE) {
            throw new IllegalArgumentException("numClasses must be 1-255, got " + numClasses);
        }
        this.numClasses = numClasses;
        this.counts = new long[numClasses * numClasses];
    }

    public int numClasses() {
        return numClasses;
    }

    /**
     * Adds one image.
     *
     * @param groundTruth labels {@code 0..n-1} or 255
     * @param prediction labels {@code 0..n-1}, same length
     * @throws IllegalArgumentException on a length mismatch or a label out of range (checked before
     *     anything is counted)
     */
    public ConfusionMatrix add(int[] groundTruth, int[] prediction) {
        if (groundTruth.length != prediction.length) {
            throw new IllegalArgumentException(
                    "ground truth has " + groundTruth.length + " pixels, prediction " + prediction.length);
        }
        for (int i = 0; i < groundTruth.length; i++) {
            int gt = groundTruth[i];
            if ((gt < 0 || gt >= numClasses) && gt != IGNORE) {
                throw new IllegalArgumentException("ground-truth label " + gt + " at pixel " + i + " is not 0-"
                        + (numClasses - 1) + " or " + IGNORE);
            }
            if (gt != IGNORE && (prediction[i] < 0 || prediction[i] >= numClasses)) {
                throw new IllegalArgumentException("predicted label " + prediction[i] + " at pixel " + i
                        + " is not 0-" + (numClasses - 1));
            }
        }
        for (int i = 0; i < groundTruth.length; i++) {
            if (groundTruth[i] != IGNORE) {
                counts[groundTruth[i] * numClasses + prediction[i]]++;
            }
        }
        return this;
    }

    /**
     * Adds one image given as label maps.
     *
     * @param prediction the prediction, same size
     */
    public ConfusionMatrix add(LabelMap groundTruth, LabelMap prediction) {
        if (groundTruth.width() != prediction.width() || groundTruth.height() != prediction.height()) {
            throw new IllegalArgumentException("ground truth is " + groundTruth.width() + "x" + groundTruth.height()
                    + ", prediction " + prediction.width() + "x" + prediction.height());
        }
        return add(groundTruth.labels(), prediction.labels());
    }

    /**
     * Adds the counts of another matrix (e.g. of another worker).
     *
     * @param other a matrix with the same number of classes
     */
    public ConfusionMatrix merge(ConfusionMatrix other) {
        if (other.numClasses != numClasses) {
            throw new IllegalArgumentException("cannot merge " + other.numClasses + " classes into " + numClasses);
        }
        for (int i = 0; i < counts.length; i++) {
            counts[i] += other.counts[i];
        }
        return this;
    }

    public long count(int groundTruth, int prediction) {
        return counts[groundTruth * numClasses + prediction];
    }

    /**
     * Returns the pixels whose ground truth is a label (row sum).
     *
     * @return the count
     */
    public long groundTruthPixels(int label) {
        long sum = 0;
        for (int p = 0; p < numClasses; p++) {
            sum += counts[label * numClasses + p];
        }
        return sum;
    }

    /**
     * Returns the pixels predicted as a label (column sum, over scored pixels).
     *
     * @return the count
     */
    public long predictedPixels(int label) {
        long sum = 0;
        for (int g = 0; g < numClasses; g++) {
            sum += counts[g * numClasses + label];
        }
        return sum;
    }

    public long total() {
        return Arrays.stream(counts).sum();
    }

    /**
     * Returns a copy of the counts.
     *
     * @return {@code [gt][pred]}
     */
    public long[][] toArray() {
        long[][] out = new long[numClasses][];
        for (int g = 0; g < numClasses; g++) {
            out[g] = Arrays.copyOfRange(counts, g * numClasses, (g + 1) * numClasses);
        }
        return out;
    }
}
