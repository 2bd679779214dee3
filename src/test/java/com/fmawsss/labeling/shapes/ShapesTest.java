package com.fmawsss.labeling.shapes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fmawsss.masks.RandomMasks;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Regions, their outlines and the rasteriser, checked against each other and against hand-made cases. */
class ShapesTest {

    @Test
    void regionsAreFourConnectedAndCoverTheLabelMap() {
        int[] labels = {
            1, 1, 0, 2,
            0, 1, 0, 2,
            1, 0, 255, 2,
        };
        List<Region> regions = Regions.of(labels, 4, 3, 2);
        assertThat(regions).extracting(r -> r.label() + "@" + r.left() + "," + r.top() + "-" + r.right() + "," + r.bottom() + ":" + r.area())
                .containsExactly("1@0,0-1,1:3", "1@0,2-0,2:1", "2@3,0-3,2:3");
        assertThat(regions.getFirst().crop()).containsExactly(true, true, false, true);
    }

    @Test
    void outlineOfOnePixelAndOfAnLShape() {
        assertThat(BoundaryTracer.trace(Regions.of(new int[] {0, 0, 0, 1}, 2, 2, 1).getFirst())).containsExactly(1, 1, 2, 1, 2, 2, 1, 2);
        int[] l = {
            1, 0,
            1, 1,
        };
        assertThat(BoundaryTracer.trace(Regions.of(l, 2, 2, 1).getFirst())).containsExactly(0, 0, 1, 0, 1, 1, 2, 1, 2, 2, 0, 2);
    }

    @Test
    void outlinesFillBackExactlyTheirRegionWhenItHasNoHoles() {
        SplittableRandom random = new SplittableRandom(5);
        int checked = 0;
        int holes = 0;
        for (int round = 0; round < 40; round++) {
            int h = 5 + random.nextInt(40);
            int w = 5 + random.nextInt(40);
            boolean[] mask = round % 2 == 0 ? RandomMasks.noise(random, h, w, random.nextDouble(0.3, 0.7))
                    : RandomMasks.blobs(random, h, w, 1 + random.nextInt(3));
            int[] labels = new int[h * w];
            for (int i = 0; i < labels.length; i++) {
                labels[i] = mask[i] ? 1 : 0;
            }
            for (Region region : Regions.of(labels, w, h, 1)) {
                int[] polygon = BoundaryTracer.trace(region);
                double[] points = new double[polygon.length];
                for (int i = 0; i < polygon.length; i++) {
                    points[i] = polygon[i];
                }
                boolean[] filled = PolygonRasterizer.fill(points, w, h);
                boolean[] expected = withoutHoles(region, w, h);
                assertThat(filled).as("round %d region at %d,%d", round, region.left(), region.top()).isEqualTo(expected);
                if (region.area() != count(expected)) {
                    holes++;
                }
                checked++;
            }
        }
        assertThat(checked).isGreaterThan(500);
        assertThat(holes).as("regions with holes were exercised").isPositive();
    }

    /**
     * The region's pixels plus every pixel it encloses: background is 8-connected (the region is
     * 4-connected, so its outline passes between two region pixels that touch only at a corner).
     */
    private static boolean[] withoutHoles(Region region, int width, int height) {
        int bw = region.boxWidth() + 2;
        int bh = region.boxHeight() + 2;
        boolean[] outside = new boolean[bw * bh];
        java.util.ArrayDeque<Integer> queue = new java.util.ArrayDeque<>();
        outside[0] = true;
        queue.add(0);
        while (!queue.isEmpty()) {
            int p = queue.poll();
            int x = p % bw;
            int y = p / bw;
            int[][] steps = {{1, 0}, {-1, 0}, {0, 1}, {0, -1}, {1, 1}, {1, -1}, {-1, 1}, {-1, -1}};
            for (int[] s : steps) {
                int nx = x + s[0];
                int ny = y + s[1];
                if (nx < 0 || ny < 0 || nx >= bw || ny >= bh || outside[ny * bw + nx]) {
                    continue;
                }
                boolean member = nx >= 1 && ny >= 1 && nx <= region.boxWidth() && ny <= region.boxHeight()
                        && region.crop()[(ny - 1) * region.boxWidth() + (nx - 1)];
                if (member) {
                    continue;
                }
                outside[ny * bw + nx] = true;
                queue.add(ny * bw + nx);
            }
        }
        boolean[] result = new boolean[width * height];
        for (int y = 1; y <= region.boxHeight(); y++) {
            for (int x = 1; x <= region.boxWidth(); x++) {
                if (!outside[y * bw + x]) {
                    result[(region.top() + y - 1) * width + region.left() + x - 1] = true;
                }
            }
        }
        return result;
    }


    private static long count(boolean[] mask) {
        long n = 0;
        for (boolean b : mask) {
            n += b ? 1 : 0;
        }
        return n;
    }
}
