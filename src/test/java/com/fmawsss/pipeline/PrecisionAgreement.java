package com.fmawsss.pipeline;

import com.fmawsss.masks.CocoRle;
import com.fmawsss.sam.QuasiSuperpixel;
import com.fmawsss.tensors.FloatTensor;
import java.util.List;

/**
 * How far a bf16 run of the seed pipeline is from the fp32 run on the same image and settings.
 *
 * @param camMaxAbs max |bf16 - fp32| of the CAA-refined CAMs after per-class min-max scaling to
 *     [0, 1] (the scale SAMS compares them at)
 * @param rawCamMaxRelative max |bf16 - fp32| of the raw Softmax-GradCAMs over max |fp32|
 * @param fp32Masks quasi-superpixels of the fp32 run
 * @param bf16Masks quasi-superpixels of the bf16 run
 * @param meanMatchedIou mean over the masks of both runs of the IoU with the best-matching mask of
 *     the other run (1 = the same masks)
 * @param minMatchedIou the smallest of those IoUs (0 when one run has a mask the other lacks)
 * @param seedAgreement fraction of pixels with the same seed label
 */
public record PrecisionAgreement(
        double camMaxAbs,
        double rawCamMaxRelative,
        int fp32Masks,
        int bf16Masks,
        double meanMatchedIou,
        double minMatchedIou,
        double seedAgreement) {

    /**
     * Compares two runs.
     *
     * @param fp32 the reference run
     * @param bf16 the bf16 run
     * @return the agreement
     */
    public static PrecisionAgreement of(PipelineResult fp32, PipelineResult bf16) {
        double camMaxAbs = maxAbs(minMaxScaled(fp32.cams().refined()), minMaxScaled(bf16.cams().refined()));
        float[] raw = fp32.cams().raw().data();
        double rawScale = 0;
        for (float v : raw) {
            rawScale = Math.max(rawScale, Math.abs(v));
        }
        double rawRelative = maxAbs(raw, bf16.cams().raw().data()) / Math.max(rawScale, Double.MIN_NORMAL);
        List<QuasiSuperpixel> a = fp32.superpixels();
        List<QuasiSuperpixel> b = bf16.superpixels();
        double sum = 0;
        double min = a.isEmpty() && b.isEmpty() ? 1 : Double.POSITIVE_INFINITY;
        for (QuasiSuperpixel q : a) {
            double best = bestIou(q.mask(), b);
            sum += best;
            min = Math.min(min, best);
        }
        for (QuasiSuperpixel q : b) {
            double best = bestIou(q.mask(), a);
            sum += best;
            min = Math.min(min, best);
        }
        int masks = a.size() + b.size();
        int[] la = fp32.seedMap().labels();
        int[] lb = bf16.seedMap().labels();
        long same = 0;
        for (int i = 0; i < la.length; i++) {
            same += la[i] == lb[i] ? 1 : 0;
        }
        return new PrecisionAgreement(camMaxAbs, rawRelative, a.size(), b.size(), masks == 0 ? 1 : sum / masks, min,
                la.length == 0 ? 1 : (double) same / la.length);
    }

    private static double bestIou(CocoRle mask, List<QuasiSuperpixel> others) {
        double best = 0;
        long area = mask.area();
        for (QuasiSuperpixel o : others) {
            long inter = mask.intersectionArea(o.mask());
            long union = area + o.mask().area() - inter;
            best = Math.max(best, union == 0 ? 1 : (double) inter / union);
        }
        return best;
    }

    /** Each class plane ({@code [P, h, w]}) scaled to [0, 1] by its own min and max. */
    static float[] minMaxScaled(FloatTensor cams) {
        float[] out = cams.data().clone();
        int plane = cams.dim(1) * cams.dim(2);
        for (int p = 0; p < cams.dim(0); p++) {
            float lo = Float.POSITIVE_INFINITY;
            float hi = Float.NEGATIVE_INFINITY;
            for (int i = p * plane; i < (p + 1) * plane; i++) {
                lo = Math.min(lo, out[i]);
                hi = Math.max(hi, out[i]);
            }
            float range = Math.max(hi - lo, 1e-12f);
            for (int i = p * plane; i < (p + 1) * plane; i++) {
                out[i] = (out[i] - lo) / range;
            }
        }
        return out;
    }

    private static double maxAbs(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("shapes differ: " + a.length + " vs " + b.length);
        }
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs((double) a[i] - b[i]));
        }
        return max;
    }
}
