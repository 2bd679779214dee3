package com.fmawsss.datasets;

import com.fmawsss.image.ImageDecodeException;
import com.fmawsss.image.ImageLimits;
import com.fmawsss.image.LabelMap;
import com.fmawsss.image.LabelMapPng;
import com.fmawsss.prompts.Vocabulary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads ground-truth label PNGs and derives image-level labels from them. */
final class MaskFiles {

    /** The VOC boundary / "don't care" label. */
    static final int IGNORE = 255;

    private MaskFiles() {}

    /**
     * @param indices vocabulary indices ({@code label - 1}) of labels 1..numClasses present
     * @param unknown labels present that are neither 0, 255 nor a vocabulary class
     */
    record PresentClasses(List<Integer> indices, List<Integer> unknown) {}

    /**
     * Decodes a palette or grey label PNG.
     *
     * @param png the file
     * @return the labels
     * @throws DatasetException when the file cannot be read or is not a label PNG
     */
    static LabelMap read(Path png) {
        try {
            return LabelMapPng.decode(Files.readAllBytes(png), ImageLimits.defaults());
        } catch (IOException | ImageDecodeException e) {
            throw new DatasetException("cannot read mask " + png + ": " + e.getMessage(), e);
        }
    }

    /**
     * Lists the classes present in a label map: every label except 0 (background) and 255 (ignore).
     *
     * @param map the labels
     * @param numClasses foreground classes in the vocabulary
     * @return present and unknown labels, ascending
     */
    static PresentClasses present(LabelMap map, int numClasses) {
        boolean[] seen = new boolean[256];
        for (int label : map.labels()) {
            seen[label] = true;
        }
        List<Integer> indices = new ArrayList<>();
        List<Integer> unknown = new ArrayList<>();
        for (int label = 1; label < IGNORE; label++) {
            if (!seen[label]) {
                continue;
            }
            if (label <= numClasses) {
                indices.add(label - 1);
            } else {
                unknown.add(label);
            }
        }
        return new PresentClasses(indices, unknown);
    }

    /**
     * Adds the vocabulary indices of the classes a mask file holds to {@code labels}, and a problem
     * for every label the vocabulary lacks or for an unreadable file.
     *
     * @param where the sample, as problems name it
     */
    static void addPresentClasses(Path mask, Vocabulary vocabulary, String where, List<Integer> labels,
            List<DatasetProblem> problems) {
        try {
            PresentClasses present = present(read(mask), vocabulary.classes().size());
            labels.addAll(present.indices());
            for (int unknown : present.unknown()) {
                problems.add(new DatasetProblem(DatasetProblem.Kind.UNKNOWN_CLASS, where,
                        "mask label " + unknown + " is not a class of vocabulary " + vocabulary.name()));
            }
        } catch (DatasetException e) {
            problems.add(new DatasetProblem(DatasetProblem.Kind.UNREADABLE_MASK, where, e.getMessage()));
        }
    }
}
