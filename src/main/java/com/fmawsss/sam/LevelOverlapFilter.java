package com.fmawsss.sam;

import java.util.ArrayList;
import java.util.List;

/**
 * FMA-WSSS's third SAM modification (spec §4, §8): keep every whole mask, then each part mask, then
 * each subpart mask only if its largest single overlap with an already kept mask of a higher level,
 * {@code max_k |m ∩ k| / |m|}, is below {@code t_r}. Masks of the same level are not compared with
 * each other. The result is ordered whole, part, subpart, each in input order.
 */
public final class LevelOverlapFilter {

    private LevelOverlapFilter() {}

    /**
     * Filters masks.
     *
     * @param candidates masks in generator order
     * @param threshold t_r (0.3)
     * @return the kept masks
     */
    public static List<MaskCandidate> apply(List<MaskCandidate> candidates, double threshold) {
        List<MaskCandidate> kept = new ArrayList<>();
        for (int level = 2; level >= 0; level--) {
            List<MaskCandidate> higher = List.copyOf(kept);
            for (MaskCandidate c : candidates) {
                if (c.level() != level) {
                    continue;
                }
                if (level == 2 || maxOverlap(c, higher) < threshold) {
                    kept.add(c);
                }
            }
        }
        return kept;
    }

    private static double maxOverlap(MaskCandidate candidate, List<MaskCandidate> kept) {
        long area = candidate.mask().area();
        if (area == 0) {
            return 0;
        }
        double max = 0;
        for (MaskCandidate k : kept) {
            max = Math.max(max, (double) candidate.mask().intersectionArea(k.mask()) / area);
        }
        return max;
    }
}
