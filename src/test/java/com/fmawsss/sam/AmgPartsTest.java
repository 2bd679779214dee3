package com.fmawsss.sam;

import static org.assertj.core.api.Assertions.assertThat;

import com.fmawsss.masks.CocoRle;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Hand-worked cases for the pieces of automatic mask generation. */
class AmgPartsTest {

    @Test
    void cropBoxesOfOneLayerByHand() {
        // 100 x 60, ratio 512/1500: overlap = int(0.3413 * 60 * 2/2) = 20; crop_w = ceil((20 + 100)/2) = 60,
        // crop_h = ceil((20 + 60)/2) = 40; x0 in {0, 40}, y0 in {0, 20}; x outer, y inner.
        assertThat(CropBoxes.generate(100, 60, 1, 512.0 / 1500)).containsExactly(
                new CropBoxes.Crop(0, 0, 100, 60, 0),
                new CropBoxes.Crop(0, 0, 60, 40, 1),
                new CropBoxes.Crop(0, 20, 60, 60, 1),
                new CropBoxes.Crop(40, 0, 100, 40, 1),
                new CropBoxes.Crop(40, 20, 100, 60, 1));
    }

    @Test
    void pointGridIsCellCentresXFastest() {
        assertThat(CropBoxes.pointGrid(2)).containsExactly(0.25, 0.25, 0.75, 0.25, 0.25, 0.75, 0.75, 0.75);
        assertThat(CropBoxes.pointGrid(1)).containsExactly(0.5, 0.5);
        double[] grid = CropBoxes.pointGrid(32);
        assertThat(grid[0]).isEqualTo(1.0 / 64);
        assertThat(grid[2 * 31]).isEqualTo(1 - 1.0 / 64);
    }

    @Test
    void boxesAreInclusiveAndIouMatchesTorchvision() {
        boolean[] mask = new boolean[4 * 5];
        mask[1 * 5 + 2] = true;
        mask[3 * 5 + 4] = true;
        assertThat(Boxes.ofMask(mask, 5, 4)).containsExactly(2, 1, 4, 3);
        assertThat(Boxes.ofMask(new boolean[6], 3, 2)).containsExactly(0, 0, 0, 0);
        assertThat(Boxes.iou(new int[] {0, 0, 10, 10}, new int[] {5, 0, 15, 10})).isEqualTo(50f / 150f);
        assertThat(Boxes.iou(new int[] {3, 3, 3, 3}, new int[] {3, 3, 3, 3})).isNaN();
    }

    @Test
    void nearCropEdgeIgnoresImageEdges() {
        CropBoxes.Crop crop = new CropBoxes.Crop(0, 0, 60, 40, 1);
        // Right edge 59 is within 20 px of the crop's x1 = 60, which is not the image edge (100).
        assertThat(Boxes.nearCropEdge(new int[] {0, 0, 59, 10}, crop, 100, 60)).isTrue();
        // Touching only the image's left/top edges is fine.
        assertThat(Boxes.nearCropEdge(new int[] {0, 0, 30, 10}, crop, 100, 60)).isFalse();
        assertThat(Boxes.nearCropEdge(new int[] {0, 0, 39, 19}, crop, 100, 60)).isFalse(); // 21 px away
        assertThat(Boxes.nearCropEdge(new int[] {0, 0, 10, 20}, crop, 100, 60)).isTrue(); // y1 20 px from 40
    }

    @Test
    void stableNmsKeepsTiesInOrderAndNeverSuppressesNan() {
        List<int[]> boxes = List.of(
                new int[] {0, 0, 10, 10}, new int[] {0, 0, 10, 10}, new int[] {1, 1, 10, 10},
                new int[] {50, 50, 60, 60}, new int[] {7, 7, 7, 7}, new int[] {7, 7, 7, 7});
        double[] scores = {0.5, 0.9, 0.9, 0.1, 0.7, 0.7};
        // Sorted (stable): 1, 2, 4, 5, 0, 3. Box 2 overlaps box 1 by 81/100 > 0.7; zero-area boxes 4, 5
        // have NaN IoU with each other; box 0 duplicates box 1.
        assertThat(StableNms.keep(boxes, scores, 0.7)).containsExactly(1, 4, 5, 3);
    }

    @Test
    void smallHolesAreFilledAndSmallIslandsRemoved() {
        // 6 x 6: a ring with a one-pixel hole at (2, 2) and a lone island at (5, 5).
        boolean[] mask = new boolean[36];
        for (int y = 1; y <= 3; y++) {
            for (int x = 1; x <= 3; x++) {
                mask[y * 6 + x] = !(x == 2 && y == 2);
            }
        }
        mask[5 * 6 + 5] = true;
        SmallRegions.Result holes = SmallRegions.fillHoles(mask, 6, 6, 2);
        assertThat(holes.changed()).isTrue();
        assertThat(holes.mask()[2 * 6 + 2]).isTrue();
        SmallRegions.Result islands = SmallRegions.removeIslands(holes.mask(), 6, 6, 2);
        assertThat(islands.changed()).isTrue();
        assertThat(islands.mask()[5 * 6 + 5]).isFalse();
        assertThat(islands.mask()[1 * 6 + 1]).isTrue();
        // When every island is small, the largest (first among equals) is kept.
        boolean[] dots = new boolean[36];
        dots[0] = true;
        dots[2] = true;
        dots[3 * 6 + 3] = true;
        dots[3 * 6 + 4] = true;
        SmallRegions.Result kept = SmallRegions.removeIslands(dots, 6, 6, 5);
        assertThat(kept.mask()).containsExactly(expect(36, 3 * 6 + 3, 3 * 6 + 4));
        assertThat(SmallRegions.removeIslands(dots, 6, 6, 1).changed()).isFalse();
    }

    @Test
    void overlapFilterRunsWholeThenPartThenSubpart() {
        int w = 10;
        int h = 1;
        MaskCandidate whole = candidate(2, 0, 5, w, h);       // pixels 0..4
        MaskCandidate otherWhole = candidate(2, 3, 8, w, h);  // overlaps the first whole: wholes are never filtered
        MaskCandidate partInside = candidate(1, 4, 10, w, h);  // 6 px, 4 inside the second whole: 0.67 -> dropped
        MaskCandidate partOutside = candidate(1, 8, 10, w, h); // 2 px, none inside wholes -> kept
        MaskCandidate partTwin = candidate(1, 8, 10, w, h);    // same level as partOutside: not compared -> kept
        MaskCandidate subpart = candidate(0, 9, 10, w, h);     // inside the kept part -> ratio 1 -> dropped
        MaskCandidate subpartFree = new MaskCandidate(CocoRle.encode(new boolean[w * h], h, w), new int[4], 0, 1f, 1f, null);
        List<MaskCandidate> kept = LevelOverlapFilter.apply(
                List.of(subpart, partInside, whole, partOutside, subpartFree, otherWhole, partTwin), 0.3);
        assertThat(kept).containsExactly(whole, otherWhole, partOutside, partTwin, subpartFree);
    }

    @Test
    void overlapRatioJustBelowTheThresholdIsKept() {
        MaskCandidate whole = candidate(2, 0, 3, 10, 1);
        MaskCandidate part = candidate(1, 2, 6, 10, 1);  // 1 of 4 px inside: 0.25 < 0.3
        MaskCandidate part2 = candidate(1, 1, 4, 10, 1); // 2 of 3 px inside: 0.67
        assertThat(LevelOverlapFilter.apply(List.of(whole, part, part2), 0.3)).containsExactly(whole, part);
        assertThat(LevelOverlapFilter.apply(List.of(whole, part, part2), 0.25)).containsExactly(whole);
    }

    private static MaskCandidate candidate(int level, int from, int to, int w, int h) {
        boolean[] mask = new boolean[w * h];
        for (int i = from; i < to; i++) {
            mask[i] = true;
        }
        return new MaskCandidate(CocoRle.encode(mask, h, w), Boxes.ofMask(mask, w, h), level, 0.9f, 0.95f, null);
    }

    private static boolean[] expect(int size, int... on) {
        boolean[] out = new boolean[size];
        for (int i : on) {
            out[i] = true;
        }
        return out;
    }
}
