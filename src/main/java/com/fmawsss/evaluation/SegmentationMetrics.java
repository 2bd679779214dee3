package com.fmawsss.evaluation;

import com.fmawsss.prompts.Vocabulary;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Semantic segmentation scores from a {@link ConfusionMatrix}.
 *
 * <p>Convention (the one of the PASCAL VOC / WSSS evaluation scripts, e.g. CLIP-ES's
 * {@code np.nanmean(iou)}): per-class {@code IoU = TP / (GT + P - TP)} over non-ignored pixels;
 * a class with zero union (absent from ground truth and prediction) has no IoU and is left out of
 * the mean. Background (label 0) is a class and counts. On the full VOC val set every class
 * occurs, so this is the usual mean over 21 classes; on a subset it does not penalise classes the
 * subset does not contain. A class present in the prediction only has IoU 0 and does count.
 *
 * @param classes per-class rows, label order
 * @param meanIou mean IoU over the counted classes ({@code NaN} when none is)
 * @param pixelAccuracy correctly labelled pixels / scored pixels ({@code NaN} when none)
 * @param countedClasses how many classes entered the mean
 */
public record SegmentationMetrics(List<ClassIou> classes, double meanIou, double pixelAccuracy, int countedClasses) {

    /** Copies the table. */
    public SegmentationMetrics {
        classes = List.copyOf(classes);
    }

    /**
     * Computes the scores with class names {@code background} + the vocabulary's classes.
     *
     * @param matrix the counts, {@code vocabulary.classes().size() + 1} classes
     * @param vocabulary the class names
     * @return the scores
     */
    public static SegmentationMetrics of(ConfusionMatrix matrix, Vocabulary vocabulary) {
        List<String> names = new ArrayList<>();
        names.add("background");
        names.addAll(vocabulary.classNames());
        return of(matrix, names);
    }

    /**
     * Computes the scores.
     *
     * @param matrix the counts
     * @param names one name per label, background first
     * @return the scores
     */
    public static SegmentationMetrics of(ConfusionMatrix matrix, List<String> names) {
        int n = matrix.numClasses();
        if (names.size() != n) {
            throw new IllegalArgumentException(names.size() + " names for " + n + " classes");
        }
        List<ClassIou> rows = new ArrayList<>(n);
        double sum = 0;
        int counted = 0;
        long correct = 0;
        for (int c = 0; c < n; c++) {
            long tp = matrix.count(c, c);
            long gt = matrix.groundTruthPixels(c);
            long pred = matrix.predictedPixels(c);
            long union = gt + pred - tp;
            double iou = union > 0 ? (double) tp / (double) union : Double.NaN;
            if (union > 0) {
                sum += iou;
                counted++;
            }
            correct += tp;
            rows.add(new ClassIou(c, names.get(c), iou, gt, pred, tp));
        }
        long total = matrix.total();
        double mean = counted > 0 ? sum / counted : Double.NaN;
        double accuracy = total > 0 ? (double) correct / (double) total : Double.NaN;
        return new SegmentationMetrics(rows, mean, accuracy, counted);
    }

    /**
     * Formats the per-class table (name, IoU in percent, ground-truth pixels) and the summary.
     *
     * @return a fixed-width text table
     */
    public String table() {
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "%-16s %8s %14s%n", "class", "IoU %", "gt pixels"));
        for (ClassIou row : classes) {
            out.append(String.format(Locale.ROOT, "%-16s %8s %14d%n", row.name(),
                    row.counted() ? String.format(Locale.ROOT, "%.2f", 100 * row.iou()) : "-", row.groundTruthPixels()));
        }
        out.append(String.format(Locale.ROOT, "mIoU %.2f over %d classes, pixel accuracy %.2f%n",
                100 * meanIou, countedClasses, 100 * pixelAccuracy));
        return out.toString();
    }
}
