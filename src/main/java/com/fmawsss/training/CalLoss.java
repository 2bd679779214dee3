package com.fmawsss.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Class-aware loss of the segmentation prompts (spec §4, §8), for one image:
 * the pre-ReLU CAMs are upsampled bilinearly to the crop size; on pixels of class c the CAM is
 * pulled to {@code max_fg = max(cam on class pixels)} (clamped at 0, detached), elsewhere (valid
 * pixels only) its positive part is pushed to 0. The caller divides the batch's summed terms by
 * the number of valid pixels summed over positive classes ({@link Terms#validPixels()}).
 */
public final class CalLoss {

    private CalLoss() {}

    /**
     * Unnormalised loss terms of one image.
     *
     * @param sum {@code L_fg + L_bg} summed over the image's present classes
     * @param validPixels valid pixels counted once per present class
     */
    public record Terms(NDArray sum, long validPixels) {}

    /**
     * Computes the terms.
     *
     * @param cams {@code [P, h, w]} pre-ReLU CAMs of the present classes (differentiable)
     * @param labels {@code [H, W]} pseudo label: 0 background, c+1 for the c-th present class of
     *     {@code cams}, 255 ignore; other values count as background
     * @param presentLabels label value of each CAM row
     * @param height H
     * @param width W
     * @return the terms
     */
    public static Terms of(NDArray cams, int[] labels, int[] presentLabels, int height, int width) {
        NDManager manager = cams.getManager();
        int h = Math.toIntExact(cams.getShape().get(1));
        int w = Math.toIntExact(cams.getShape().get(2));
        NDArray ry = manager.create(BilinearMatrix.of(h, height), new Shape(height, h));
        NDArray rx = manager.create(BilinearMatrix.of(w, width), new Shape(width, w));
        NDArray up = ry.matMul(cams).matMul(rx.transpose());
        float[] valid = new float[height * width];
        long validCount = 0;
        for (int p = 0; p < valid.length; p++) {
            if (labels[p] != 255) {
                valid[p] = 1f;
                validCount++;
            }
        }
        NDArray validMask = manager.create(valid, new Shape(height, width));
        NDArray total = manager.zeros(new Shape());
        for (int i = 0; i < presentLabels.length; i++) {
            float[] classPixels = new float[valid.length];
            for (int p = 0; p < valid.length; p++) {
                classPixels[p] = labels[p] == presentLabels[i] ? 1f : 0f;
            }
            NDArray d = manager.create(classPixels, new Shape(height, width));
            NDArray cam = up.get(i);
            // max over class pixels: non-class pixels are pushed far below before the max.
            NDArray maxFg = cam.add(d.sub(1f).mul(1e9f)).max().maximum(0f).stopGradient();
            NDArray fg = maxFg.sub(cam).abs().mul(d).sum();
            NDArray bg = cam.maximum(0f).mul(validMask.sub(d).maximum(0f)).sum();
            total = total.add(fg).add(bg);
        }
        return new Terms(total, validCount * presentLabels.length);
    }
}
