package com.fmawsss.bulkseeding;

import com.fmawsss.image.LabelMap;
import com.fmawsss.datasets.Dataset;
import com.fmawsss.datasets.TrainingSample;
import com.fmawsss.evaluation.ConfusionMatrix;
import com.fmawsss.evaluation.SegmentationMetrics;
import java.util.Optional;

/**
 * Seeds against a dataset's ground truth: one confusion matrix over every sample that has ground
 * truth of the seed map's size (samples without it, or of another size, are not counted).
 */
public final class SeedScores {

    private final Dataset dataset;
    private final ConfusionMatrix matrix;
    private int evaluated;

    public SeedScores(Dataset dataset) {
        this.dataset = dataset;
        this.matrix = new ConfusionMatrix(dataset.vocabulary().classes().size() + 1);
    }

    /**
     * Adds one sample's seeds.
     *
     * @return whether the sample had ground truth of the right size and was counted
     * @throws com.fmawsss.datasets.DatasetException when its ground truth exists but is unreadable
     */
    public boolean add(TrainingSample sample, LabelMap seeds) {
        Optional<LabelMap> truth = dataset.groundTruth(sample);
        if (truth.isEmpty() || truth.get().labels().length != seeds.labels().length) {
            return false;
        }
        matrix.add(truth.get().labels(), seeds.labels());
        evaluated++;
        return true;
    }

    /** How many samples were counted. */
    public int evaluated() {
        return evaluated;
    }

    /** mIoU, pixel accuracy and per-class IoU, when any sample was counted. */
    public Optional<SegmentationMetrics> metrics() {
        return evaluated == 0 ? Optional.empty() : Optional.of(SegmentationMetrics.of(matrix, dataset.vocabulary()));
    }
}
