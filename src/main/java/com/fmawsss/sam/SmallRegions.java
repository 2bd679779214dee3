package com.fmawsss.sam;

import java.util.Arrays;

/**
 * SAM's {@code remove_small_regions}: fills holes and removes islands smaller than an area
 * (8-connected components, as OpenCV's {@code connectedComponentsWithStats(..., 8)}).
 */
public final class SmallRegions {

    private SmallRegions() {}

    /**
     * Result of one pass.
     *
     * @param mask the cleaned mask
     * @param changed whether anything was filled or removed
     */
    public record Result(boolean[] mask, boolean changed) {}

    /**
     * Fills small holes (components of the background smaller than {@code area}, including the
     * outer background if it is that small).
     *
     * @param mask row-major mask
     * @param width columns
     * @param height rows
     * @param area minimum area
     * @return the mask with small holes filled
     */
    public static Result fillHoles(boolean[] mask, int width, int height, int area) {
        boolean[] background = new boolean[mask.length];
        for (int i = 0; i < mask.length; i++) {
            background[i] = !mask[i];
        }
        Components c = Components.label(background, width, height);
        boolean any = false;
        boolean[] out = mask.clone();
        for (int i = 0; i < mask.length; i++) {
            int label = c.labels[i];
            if (label > 0 && c.sizes[label] < area) {
                out[i] = true;
                any = true;
            }
        }
        return new Result(any ? out : mask, any);
    }

    /**
     * Removes small islands; when every island is small, keeps the largest (the first one in
     * row-major order among equals).
     *
     * @param mask row-major mask
     * @param width columns
     * @param height rows
     * @param area minimum area
     * @return the mask without small islands
     */
    public static Result removeIslands(boolean[] mask, int width, int height, int area) {
        Components c = Components.label(mask, width, height);
        boolean anySmall = false;
        boolean anyLarge = false;
        int largest = 0;
        for (int label = 1; label < c.sizes.length; label++) {
            if (c.sizes[label] < area) {
                anySmall = true;
            } else {
                anyLarge = true;
            }
            if (largest == 0 || c.sizes[label] > c.sizes[largest]) {
                largest = label;
            }
        }
        if (!anySmall) {
            return new Result(mask, false);
        }
        boolean[] out = new boolean[mask.length];
        for (int i = 0; i < mask.length; i++) {
            int label = c.labels[i];
            out[i] = label > 0 && (anyLarge ? c.sizes[label] >= area : label == largest);
        }
        return new Result(out, true);
    }

    /**
     * 8-connected component labels (1-based, numbered in row-major order of their first pixel) and
     * sizes ({@code sizes[0]} unused).
     *
     * <p>Labelled over runs, not pixels: each row's runs of set pixels are joined (union-find) with
     * the runs of the row above that touch them, including diagonally, so the work is one pass over
     * the pixels plus one step per run. The runs come in row-major order, so numbering components
     * in the order their first run appears numbers them by first pixel, as a flood fill would.
     */
    record Components(int[] labels, int[] sizes) {

        static Components label(boolean[] mask, int width, int height) {
            Runs runs = Runs.of(mask, width, height);
            int n = runs.count();
            int[] parent = new int[n];
            for (int r = 0; r < n; r++) {
                parent[r] = r;
            }
            for (int y = 1; y < height; y++) {
                int a = runs.rowStart()[y - 1];
                int b = runs.rowStart()[y];
                int aEnd = runs.rowStart()[y];
                int bEnd = runs.rowStart()[y + 1];
                while (a < aEnd && b < bEnd) {
                    // [s, e) runs touch 8-connectedly when each starts at most one past the other's last pixel.
                    if (runs.start()[a] <= runs.end()[b] && runs.start()[b] <= runs.end()[a]) {
                        union(parent, a, b);
                    }
                    if (runs.end()[a] < runs.end()[b]) {
                        a++;
                    } else {
                        b++;
                    }
                }
            }
            int[] labels = new int[mask.length];
            int[] labelOfRoot = new int[n];
            int[] sizes = new int[n + 1];
            int count = 0;
            for (int r = 0; r < n; r++) {
                int root = find(parent, r);
                if (labelOfRoot[root] == 0) {
                    labelOfRoot[root] = ++count;
                }
                int label = labelOfRoot[root];
                int offset = runs.row()[r] * width;
                sizes[label] += runs.end()[r] - runs.start()[r];
                Arrays.fill(labels, offset + runs.start()[r], offset + runs.end()[r], label);
            }
            return new Components(labels, Arrays.copyOf(sizes, count + 1));
        }

        private static int find(int[] parent, int r) {
            int root = r;
            while (parent[root] != root) {
                root = parent[root];
            }
            while (parent[r] != root) {
                int next = parent[r];
                parent[r] = root;
                r = next;
            }
            return root;
        }

        private static void union(int[] parent, int a, int b) {
            int ra = find(parent, a);
            int rb = find(parent, b);
            if (ra != rb) {
                parent[Math.max(ra, rb)] = Math.min(ra, rb);
            }
        }
    }

    /**
     * Horizontal runs of set pixels in row-major order: run {@code r} covers columns
     * {@code [start[r], end[r])} of row {@code row[r]}; the runs of row {@code y} are
     * {@code [rowStart[y], rowStart[y + 1])}.
     */
    private record Runs(int[] start, int[] end, int[] row, int[] rowStart, int count) {

        static Runs of(boolean[] mask, int width, int height) {
            int capacity = 64;
            int[] start = new int[capacity];
            int[] end = new int[capacity];
            int[] row = new int[capacity];
            int[] rowStart = new int[height + 1];
            int n = 0;
            for (int y = 0; y < height; y++) {
                rowStart[y] = n;
                int offset = y * width;
                int x = 0;
                while (x < width) {
                    if (!mask[offset + x]) {
                        x++;
                        continue;
                    }
                    int s = x;
                    while (x < width && mask[offset + x]) {
                        x++;
                    }
                    if (n == capacity) {
                        capacity *= 2;
                        start = Arrays.copyOf(start, capacity);
                        end = Arrays.copyOf(end, capacity);
                        row = Arrays.copyOf(row, capacity);
                    }
                    start[n] = s;
                    end[n] = x;
                    row[n] = y;
                    n++;
                }
            }
            rowStart[height] = n;
            return new Runs(start, end, row, rowStart, n);
        }
    }
}
