package com.fmawsss.cam;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;

/**
 * CAA refinement (spec §4, §8): per class, keep the affinity columns of patches inside the class's
 * box mask and propagate the CAM through it, {@code M* = (A^t ⊙ 1·maskᵀ) · x}. No renormalisation.
 */
public final class ClassAwareAttentionAffinity {

    private ClassAwareAttentionAffinity() {}

    /**
     * Refines all classes at once with a precomputed transition matrix: {@code refined[p] = T ·
     * (mask[p] ⊙ x[p])}.
     *
     * @param transition {@code [N, N]} transition matrix {@code A^t}
     * @param masks {@code P} box masks of {@code N} 0/1 values
     * @param inputs {@code P} maps of {@code N} values (score or raw CAM)
     * @return {@code P} refined maps
     */
    public static float[][] refine(NDArray transition, float[][] masks, float[][] inputs) {
        return refine(transition, 1, masks, inputs);
    }

    /**
     * Refines all classes at once: {@code refined[p] = A^t · (mask[p] ⊙ x[p])}, computed as t
     * products with {@code A} (never forming {@code A^t}).
     *
     * @param affinity {@code [N, N]} affinity {@code A} from {@link AttentionAffinity#symmetric}
     * @param power t
     * @param masks {@code P} box masks of {@code N} 0/1 values
     * @param inputs {@code P} maps of {@code N} values (score or raw CAM)
     * @return {@code P} refined maps
     */
    public static float[][] refine(NDArray affinity, int power, float[][] masks, float[][] inputs) {
        int classes = inputs.length;
        int patches = inputs[0].length;
        float[] masked = new float[classes * patches];
        for (int p = 0; p < classes; p++) {
            for (int i = 0; i < patches; i++) {
                masked[p * patches + i] = masks[p][i] * inputs[p][i];
            }
        }
        NDManager manager = affinity.getManager();
        NDArray x = manager.create(masked, new Shape(classes, patches)).toDevice(affinity.getDevice(), false);
        NDArray transposed = affinity.transpose();
        for (int i = 0; i < power; i++) {
            // Row form of A · x: x_p ← x_p · Aᵀ.
            x = x.matMul(transposed);
        }
        float[] refined = x.toFloatArray();
        float[][] out = new float[classes][];
        for (int p = 0; p < classes; p++) {
            out[p] = Arrays.copyOfRange(refined, p * patches, (p + 1) * patches);
        }
        return out;
    }
}
