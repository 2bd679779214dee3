package com.fmawsss.cam;

import ai.djl.ndarray.NDArray;
import com.fmawsss.clip.VisionFeatures;
import ai.djl.ndarray.types.DataType;

/**
 * The class-agnostic part of CAA (spec §8): head-mean attention averaged over the last blocks,
 * CLS row and column dropped, made doubly stochastic by alternating column/row normalisation,
 * symmetrised; CAA uses its power t.
 */
public final class AttentionAffinity {

    private AttentionAffinity() {}

    /**
     * Builds the symmetric, doubly normalised affinity {@code A} whose power {@code t} is CAA's
     * transition matrix. The power is not formed here: {@link ClassAwareAttentionAffinity} applies
     * {@code A} t times to the masked CAMs, {@code O(t·C·N²)} instead of the {@code O(N³)} matrix
     * power (for a 1024 px image N is about 2,800 patches).
     *
     * @param vision trunk output whose attention averages {@code settings.attentionLayers() - 1}
     *     trunk blocks
     * @param lastAttention {@code [1+N, 1+N]} head-mean attention of the last block
     * @param settings CAA constants
     * @return {@code [N, N]} affinity {@code A} (symmetric)
     */
    public static NDArray symmetric(VisionFeatures vision, NDArray lastAttention, CamSettings settings) {
        int trunkLayers = settings.attentionLayers() - 1;
        if (vision.trunkAttentionLayers() != trunkLayers) {
            throw new IllegalArgumentException("trunk attention averages " + vision.trunkAttentionLayers()
                    + " blocks, CAA needs " + trunkLayers);
        }
        NDArray attention = vision.trunkAttention().mul(trunkLayers).add(lastAttention).div(settings.attentionLayers());
        return transition(attention.get("1:, 1:"), settings.sinkhornPasses(), 1);
    }

    /**
     * Normalises, symmetrises and powers an affinity.
     *
     * @param affinity {@code [N, N]} non-negative affinity
     * @param sinkhornPasses column-then-row normalisation passes
     * @param power t
     * @return {@code [N, N]} result
     */
    public static NDArray transition(NDArray affinity, int sinkhornPasses, int power) {
        NDArray a = affinity.toType(DataType.FLOAT32, false);
        for (int pass = 0; pass < sinkhornPasses; pass++) {
            a = a.div(a.sum(new int[] {0}, true));
            a = a.div(a.sum(new int[] {1}, true));
        }
        a = a.add(a.transpose()).div(2);
        NDArray result = a;
        for (int i = 1; i < power; i++) {
            result = result.matMul(a);
        }
        return result;
    }
}
