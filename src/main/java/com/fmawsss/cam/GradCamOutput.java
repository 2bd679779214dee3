package com.fmawsss.cam;

import ai.djl.ndarray.NDArray;

/**
 * Output of Softmax-GradCAM for one image.
 *
 * @param cams {@code [P, N]} raw CAMs (no ReLU) on the patch grid, row-major
 * @param logits {@code [K]} logit scale times cosine similarity, present classes then background
 * @param lastAttention {@code [1+N, 1+N]} head-mean attention of the last block
 * @param imageEmbedding {@code [E]} image embedding (projected mean of patch tokens)
 */
public record GradCamOutput(NDArray cams, NDArray logits, NDArray lastAttention, NDArray imageEmbedding) {}
