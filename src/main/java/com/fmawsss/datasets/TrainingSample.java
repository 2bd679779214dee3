package com.fmawsss.datasets;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;

/**
 * One training image with its image-level labels.
 *
 * @param id the sample id (VOC image id, COCO image id, or the manifest's id / image file stem)
 * @param image the image file
 * @param labels vocabulary indices (0-based, label value = index + 1) of the foreground classes
 *     present, ascending and distinct
 * @param mask the ground-truth label-map PNG when the dataset has one as a file; COCO masks are
 *     built from the annotations instead, see {@link Dataset#groundTruth(TrainingSample)}
 * @param source where the sample was declared, for reports (e.g. {@code train_aug.txt:12})
 */
public record TrainingSample(String id, Path image, List<Integer> labels, Optional<Path> mask, String source) {

    /** Sorts and de-duplicates the labels and rejects missing fields. */
    public TrainingSample {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(mask, "mask");
        Objects.requireNonNull(source, "source");
        for (Integer label : labels) {
            if (label == null || label < 0) {
                throw new IllegalArgumentException("labels are vocabulary indices >= 0, got " + labels);
            }
        }
        labels = List.copyOf(new TreeSet<>(labels));
    }
}
