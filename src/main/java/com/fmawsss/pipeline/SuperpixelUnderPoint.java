package com.fmawsss.pipeline;

import com.fmawsss.sam.QuasiSuperpixel;
import java.util.List;

/** Which quasi-superpixel a click snaps to: the most confident one of the level that covers the point. */
final class SuperpixelUnderPoint {

    private SuperpixelUnderPoint() {}

    /**
     * @param point {@code (x, y)} in image pixels; the pixel containing it is tested
     * @return the superpixel with the highest predicted IoU among those of {@code level} whose mask
     *     covers the point (the first in generator order on a tie), or {@code null}
     */
    static QuasiSuperpixel find(List<QuasiSuperpixel> superpixels, int level, double[] point, int width, int height) {
        int x = (int) Math.min(width - 1, Math.max(0, Math.floor(point[0])));
        int y = (int) Math.min(height - 1, Math.max(0, Math.floor(point[1])));
        QuasiSuperpixel best = null;
        for (QuasiSuperpixel s : superpixels) {
            if (s.level() == level && s.mask().contains(x, y)
                    && (best == null || s.predictedIou() > best.predictedIou())) {
                best = s;
            }
        }
        return best;
    }
}
