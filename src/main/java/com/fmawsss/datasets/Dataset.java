package com.fmawsss.datasets;

import com.fmawsss.image.LabelMap;
import com.fmawsss.prompts.Vocabulary;
import java.util.List;
import java.util.Optional;

/**
 * A training or evaluation dataset: images with image-level labels and, where available,
 * ground-truth label maps (0 = background, {@code index + 1} = vocabulary class, 255 = ignore).
 *
 * <p>Opening a dataset never throws for bad content: problems found while reading its index are
 * collected in {@link #problems()}, and {@link DatasetValidator} adds file checks, so a job can
 * report everything at once before it starts.
 */
public interface Dataset {

    /** Returns a descriptive name, e.g. {@code voc:/data/VOC2012:train_aug}. */
    String name();

    DatasetFormat format();

    /** Returns the vocabulary the labels index into. */
    Vocabulary vocabulary();

    /**
     * Returns the samples in index order (split list, annotation file or manifest order).
     *
     * @return an immutable list
     */
    List<TrainingSample> samples();

    /**
     * Returns the problems found while reading the index.
     *
     * @return an immutable list, empty for a clean index
     */
    List<DatasetProblem> problems();

    /**
     * Loads the ground-truth label map of a sample of this dataset.
     *
     * @param sample one of {@link #samples()}
     * @return the label map, or empty when the sample has no ground truth
     * @throws DatasetException when the ground truth exists but cannot be read
     */
    Optional<LabelMap> groundTruth(TrainingSample sample);
}
