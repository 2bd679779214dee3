package com.fmawsss.sam;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;
import java.util.Arrays;

/**
 * Greedy box non-maximum suppression with a deterministic order: candidates sorted by score
 * descending with a stable sort (equal scores keep their current order), a box is dropped when its
 * IoU with a kept box is above the threshold. Returns the kept indices in that sorted order,
 * which is also the order SAM's {@code MaskData.filter} leaves the data in after torchvision's
 * {@code nms} (whose tie order is unspecified; ours is documented).
 */
public final class StableNms {

    private StableNms() {}

    /**
     * Runs the NMS.
     *
     * @param boxes candidate boxes
     * @param scores candidate scores
     * @param iouThreshold suppression threshold
     * @return kept indices, highest score first
     */
    public static int[] keep(List<int[]> boxes, double[] scores, double iouThreshold) {
        Integer[] order = IntStream.range(0, scores.length).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble((Integer i) -> scores[i]).reversed());
        List<Integer> kept = new ArrayList<>();
        for (int candidate : order) {
            boolean suppressed = false;
            for (int k : kept) {
                if (Boxes.iou(boxes.get(candidate), boxes.get(k)) > iouThreshold) {
                    suppressed = true;
                    break;
                }
            }
            if (!suppressed) {
                kept.add(candidate);
            }
        }
        return kept.stream().mapToInt(Integer::intValue).toArray();
    }
}
