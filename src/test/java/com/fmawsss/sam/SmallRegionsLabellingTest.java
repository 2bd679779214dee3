package com.fmawsss.sam;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The run-based 8-connected labelling of {@link SmallRegions} against a pixel flood fill (an
 * independent, obviously correct labeller) on seeded random masks: same labels, same numbering
 * (row-major order of first pixel), same sizes.
 */
class SmallRegionsLabellingTest {

    @Test
    void runLabellingEqualsAPixelFloodFillOnRandomMasks() {
        Random random = new Random(7);
        int components = 0;
        for (int trial = 0; trial < 400; trial++) {
            int width = 1 + random.nextInt(40);
            int height = 1 + random.nextInt(30);
            boolean[] mask = trial % 2 == 0 ? noise(random, width, height) : blobs(random, width, height);
            SmallRegions.Components runs = SmallRegions.Components.label(mask, width, height);
            int[][] expected = floodFill(mask, width, height);
            assertThat(runs.labels()).as("labels, trial %d (%dx%d)", trial, width, height).isEqualTo(expected[0]);
            assertThat(runs.sizes()).as("sizes, trial %d", trial).isEqualTo(expected[1]);
            components += runs.sizes().length - 1;
        }
        // The masks exercised many components (diagonal contacts, U shapes merging late, ...).
        assertThat(components).isGreaterThan(2_000);
    }

    @Test
    void diagonalContactJoinsAndAUShapeMergesIntoItsFirstLabel() {
        boolean[] diagonal = {
            true, false,
            false, true};
        assertThat(SmallRegions.Components.label(diagonal, 2, 2).sizes()).containsExactly(0, 2);
        // Two arms that meet only in the last row: one component, labelled 1 everywhere.
        boolean[] u = {
            true, false, true,
            true, false, true,
            true, true, true};
        SmallRegions.Components c = SmallRegions.Components.label(u, 3, 3);
        assertThat(c.sizes()).containsExactly(0, 7);
        assertThat(c.labels()).containsExactly(1, 0, 1, 1, 0, 1, 1, 1, 1);
    }

    private static boolean[] noise(Random random, int width, int height) {
        double density = 0.2 + 0.6 * random.nextDouble();
        boolean[] mask = new boolean[width * height];
        for (int i = 0; i < mask.length; i++) {
            mask[i] = random.nextDouble() < density;
        }
        return mask;
    }

    private static boolean[] blobs(Random random, int width, int height) {
        boolean[] mask = new boolean[width * height];
        int count = 1 + random.nextInt(6);
        for (int b = 0; b < count; b++) {
            int cx = random.nextInt(width);
            int cy = random.nextInt(height);
            int r = 1 + random.nextInt(8);
            boolean ring = random.nextBoolean();
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    int d2 = (x - cx) * (x - cx) + (y - cy) * (y - cy);
                    if (d2 <= r * r && (!ring || d2 >= (r - 1) * (r - 1))) {
                        mask[y * width + x] = true;
                    }
                }
            }
        }
        return mask;
    }

    /** Breadth-first flood fill from each unlabelled set pixel in row-major order: {labels, sizes}. */
    private static int[][] floodFill(boolean[] mask, int width, int height) {
        int[] labels = new int[mask.length];
        int[] sizes = new int[mask.length + 1];
        int count = 0;
        ArrayDeque<Integer> queue = new ArrayDeque<>();
        for (int start = 0; start < mask.length; start++) {
            if (!mask[start] || labels[start] != 0) {
                continue;
            }
            labels[start] = ++count;
            queue.add(start);
            while (!queue.isEmpty()) {
                int p = queue.poll();
                sizes[count]++;
                int px = p % width;
                int py = p / width;
                for (int ny = py - 1; ny <= py + 1; ny++) {
                    for (int nx = px - 1; nx <= px + 1; nx++) {
                        if (ny >= 0 && ny < height && nx >= 0 && nx < width
                                && mask[ny * width + nx] && labels[ny * width + nx] == 0) {
                            labels[ny * width + nx] = count;
                            queue.add(ny * width + nx);
                        }
                    }
                }
            }
        }
        return new int[][] {labels, java.util.Arrays.copyOf(sizes, count + 1)};
    }
}
