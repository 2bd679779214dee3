package com.fmawsss.sams;

import java.util.Arrays;

/**
 * How SAMS classified one quasi-superpixel.
 *
 * @param label {@code 0} for background, {@code c + 1} for class {@code c} of the score maps
 * @param confidence the winning score, in [0, 1]
 * @param classScores per class, the mask's mean score min-max normalised across all masks
 * @param background the background score {@code (1 - max classScores)^alpha}
 */
public record MaskDecision(int label, float confidence, float[] classScores, float background) {

    /** Copies the scores. */
    public MaskDecision {
        classScores = classScores.clone();
    }

    @Override
    public float[] classScores() {
        return classScores.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof MaskDecision that
                && label == that.label
                && Float.compare(confidence, that.confidence) == 0
                && Float.compare(background, that.background) == 0
                && Arrays.equals(classScores, that.classScores);
    }

    @Override
    public int hashCode() {
        return ((31 * label + Float.hashCode(confidence)) * 31 + Float.hashCode(background)) * 31
                + Arrays.hashCode(classScores);
    }

    @Override
    public String toString() {
        return "MaskDecision[label=" + label + ", confidence=" + confidence + ", classScores="
                + Arrays.toString(classScores) + ", background=" + background + "]";
    }
}
