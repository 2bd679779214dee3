package com.fmawsss.clip;

import ai.djl.ndarray.NDArray;

/**
 * Output of the CLIP vision trunk for one image.
 *
 * @param residual {@code [1, 1+N, D]} residual stream entering the last block
 * @param trunkAttention {@code [1+N, 1+N]} mean over heads and over the last {@code
 *     trunkAttentionLayers} trunk blocks
 * @param trunkAttentionLayers how many trunk blocks {@code trunkAttention} averages
 * @param gridHeight patch rows h
 * @param gridWidth patch columns w
 */
public record VisionFeatures(
        NDArray residual, NDArray trunkAttention, int trunkAttentionLayers, int gridHeight, int gridWidth) {

    /**
     * Returns the number of patch tokens.
     *
     * @return {@code h * w}
     */
    public int patches() {
        return gridHeight * gridWidth;
    }
}
