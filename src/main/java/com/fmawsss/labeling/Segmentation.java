package com.fmawsss.labeling;

import java.util.List;
import java.util.Map;

/**
 * A semantic label map as the integrations see it.
 *
 * @param width image columns (after EXIF orientation)
 * @param height image rows
 * @param labels row-major labels: 0 background, {@code i} = {@code classes.get(i - 1)}
 * @param classes the requested class names, in label order
 * @param probabilities image-level probability per class name (softmax over the requested classes)
 * @param promptVersion the prompt version that produced it
 */
public record Segmentation(int width, int height, int[] labels, List<String> classes, Map<String, Double> probabilities,
        String promptVersion) {

    /** Checks the shape. */
    public Segmentation {
        if (labels.length != width * height) {
            throw new IllegalArgumentException("labels hold " + labels.length + " values for a " + width + "x" + height + " image");
        }
        classes = List.copyOf(classes);
        probabilities = Map.copyOf(probabilities);
    }

    /** The probability of a class, 0 when unknown. */
    public double probability(String className) {
        return probabilities.getOrDefault(className, 0.0);
    }
}
