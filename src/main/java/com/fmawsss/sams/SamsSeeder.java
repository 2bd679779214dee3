package com.fmawsss.sams;

import com.fmawsss.masks.CocoRle;
import com.fmawsss.tensors.FloatTensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import com.fmawsss.sam.QuasiSuperpixel;

/**
 * SAM-based seeding (SAMS, spec §4 and §8): classifies each quasi-superpixel from per-class score
 * maps and paints the seed map.
 *
 * <ol>
 *   <li>ReLU of the scores (already at image resolution; see {@link ScoreMaps}).
 *   <li>Per mask and class, the mean score inside the mask ({@code 0} for an empty mask).
 *   <li>Per class, min-max over the masks: {@code (v - min) / (max - min + 1e-7)}.
 *   <li>Background {@code (1 - max over classes)^alpha}.
 *   <li>Label = argmax over {@code [bg, class 0, class 1, ...]}, ties to the lower index (so
 *       background wins a tie); confidence = the winning score.
 *   <li>Paint masks in ascending (level, confidence) order with a stable sort, later masks
 *       overwriting earlier ones: whole beats part beats subpart, then higher confidence, then the
 *       later mask in generator order. Uncovered pixels are background.
 * </ol>
 *
 * <p>Arithmetic is float32 as in the official code (alpha too is rounded to float32 before the
 * power); only the per-mask sums are in double, as differences of running sums over the
 * column-major pixel order of the masks' runs (one difference per run instead of one addition
 * per pixel), since numpy's pairwise float32 sum cannot be reproduced bit for bit anyway. Means
 * therefore agree with numpy to about one ulp.
 */
public final class SamsSeeder {

    /** Background exponent for coarse seeds, from classification CAMs (official code; spec §8). */
    public static final double ALPHA_COARSE = 0.6;

    /**
     * Background exponent for fine seeds, from segmentation CAMs (official code). The paper uses
     * {@link #ALPHA_COARSE} (0.6) for both, which is available as an option.
     */
    public static final double ALPHA_FINE = 0.7;

    private static final float EPS = 1e-7f;

    private SamsSeeder() {}

    /**
     * Classifies the quasi-superpixels and paints the seed map.
     *
     * @param masks the quasi-superpixels in generator order, all of the scores' size
     * @param scores per-class score maps {@code [P, H, W]} at image resolution, finite
     * @param alpha background exponent, e.g. {@link #ALPHA_COARSE} or {@link #ALPHA_FINE}
     * @return the seed map and one decision per mask
     */
    public static SeedMap seed(List<QuasiSuperpixel> masks, FloatTensor scores, double alpha) {
        List<MaskDecision> decisions = classify(masks, scores, alpha);
        int[] labels = paint(masks, decisions, scores.dim(1), scores.dim(2));
        return new SeedMap(scores.dim(2), scores.dim(1), labels, decisions);
    }

    /**
     * Classifies the quasi-superpixels (steps 1-5).
     *
     * @param masks the quasi-superpixels, all of the scores' size
     * @param scores per-class score maps {@code [P, H, W]}, finite; {@code P = 0} labels all
     *     masks background with confidence 1
     * @param alpha background exponent, finite and positive
     * @return one decision per mask, in input order
     */
    public static List<MaskDecision> classify(List<QuasiSuperpixel> masks, FloatTensor scores, double alpha) {
        validate(masks, scores, alpha);
        int classes = scores.dim(0);
        int n = masks.size();
        double[][] prefix = columnMajorPrefixSums(scores);
        float[][] means = new float[n][];
        for (int i = 0; i < n; i++) {
            CocoRle mask = masks.get(i).mask();
            double[] sums = new double[classes];
            mask.forEachRun((start, length) -> {
                for (int c = 0; c < classes; c++) {
                    sums[c] += prefix[c][start + length] - prefix[c][start];
                }
            });
            long area = mask.area();
            means[i] = new float[classes];
            for (int c = 0; c < classes; c++) {
                means[i][c] = area == 0 ? 0f : (float) (sums[c] / area);
            }
        }
        float[] min = new float[classes];
        float[] max = new float[classes];
        for (int c = 0; c < classes; c++) {
            min[c] = Float.POSITIVE_INFINITY;
            max[c] = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < n; i++) {
                min[c] = Math.min(min[c], means[i][c]);
                max[c] = Math.max(max[c], means[i][c]);
            }
        }
        List<MaskDecision> decisions = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            float[] normalised = new float[classes];
            float best = 0f;
            for (int c = 0; c < classes; c++) {
                normalised[c] = (means[i][c] - min[c]) / (max[c] - min[c] + EPS);
                best = Math.max(best, normalised[c]);
            }
            // float32 pow with alpha rounded to float32, as numpy/torch float32 arrays compute it.
            float background = (float) Math.pow(1f - best, (float) alpha);
            int label = 0;
            float confidence = background;
            for (int c = 0; c < classes; c++) {
                if (normalised[c] > confidence) { // strict: ties go to the lower index
                    confidence = normalised[c];
                    label = c + 1;
                }
            }
            decisions.add(new MaskDecision(label, confidence, normalised, background));
        }
        return decisions;
    }

    /**
     * Paints the labels of classified masks (step 6).
     *
     * @param masks the quasi-superpixels in generator order
     * @param decisions their decisions, same order
     * @param height H
     * @param width W
     * @return row-major labels, 0 where no mask covers a pixel
     */
    public static int[] paint(List<QuasiSuperpixel> masks, List<MaskDecision> decisions, int height, int width) {
        if (masks.size() != decisions.size()) {
            throw new IllegalArgumentException(masks.size() + " masks but " + decisions.size() + " decisions");
        }
        List<Integer> order = new ArrayList<>(masks.size());
        for (int i = 0; i < masks.size(); i++) {
            order.add(i);
        }
        // List.sort is a stable merge sort: equal keys keep generator order.
        order.sort((a, b) -> {
            int byLevel = Integer.compare(masks.get(a).level(), masks.get(b).level());
            if (byLevel != 0) {
                return byLevel;
            }
            float ca = decisions.get(a).confidence();
            float cb = decisions.get(b).confidence();
            return ca < cb ? -1 : ca > cb ? 1 : 0;
        });
        // Painted run by run in the masks' column-major order, then transposed once.
        int[] columnMajor = new int[Math.toIntExact((long) height * width)];
        for (int i : order) {
            CocoRle mask = masks.get(i).mask();
            if (mask.height() != height || mask.width() != width) {
                throw new IllegalArgumentException("mask " + i + " is " + mask.height() + "x" + mask.width()
                        + ", the map is " + height + "x" + width);
            }
            int label = decisions.get(i).label();
            mask.forEachRun((start, length) -> Arrays.fill(columnMajor, start, start + length, label));
        }
        int[] labels = new int[columnMajor.length];
        for (int x = 0; x < width; x++) {
            int column = x * height;
            for (int y = 0; y < height; y++) {
                labels[y * width + x] = columnMajor[column + y];
            }
        }
        return labels;
    }

    /**
     * Per class, the running sums of the ReLU'd scores in the column-major pixel order of COCO RLE:
     * {@code prefix[c][k]} is the sum over the first k pixels, so a run's sum is one difference.
     *
     * @param scores {@code [P, H, W]} row-major
     * @return {@code P} arrays of {@code H * W + 1} sums
     */
    private static double[][] columnMajorPrefixSums(FloatTensor scores) {
        int classes = scores.dim(0);
        int height = scores.dim(1);
        int width = scores.dim(2);
        int plane = height * width;
        float[] data = scores.data();
        double[][] prefix = new double[classes][plane + 1];
        for (int c = 0; c < classes; c++) {
            double[] sums = prefix[c];
            int offset = c * plane;
            double running = 0;
            int k = 1;
            for (int x = 0; x < width; x++) {
                for (int y = 0; y < height; y++) {
                    running += Math.max(data[offset + y * width + x], 0f);
                    sums[k++] = running;
                }
            }
        }
        return prefix;
    }

    private static void validate(List<QuasiSuperpixel> masks, FloatTensor scores, double alpha) {
        if (scores.rank() != 3) {
            throw new IllegalArgumentException("scores must be [P, H, W], got " + scores);
        }
        if (!(alpha > 0) || Double.isInfinite(alpha)) {
            throw new IllegalArgumentException("alpha must be finite and positive, got " + alpha);
        }
        int height = scores.dim(1);
        int width = scores.dim(2);
        for (int i = 0; i < masks.size(); i++) {
            CocoRle mask = masks.get(i).mask();
            if (mask.height() != height || mask.width() != width) {
                throw new IllegalArgumentException("mask " + i + " is " + mask.height() + "x" + mask.width()
                        + " but the scores are " + height + "x" + width);
            }
        }
        for (float v : scores.data()) {
            if (!Float.isFinite(v)) {
                throw new IllegalArgumentException("scores must be finite, found " + v);
            }
        }
    }
}
