package com.fmawsss.sam;

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

    /** 8-connected component labels (1-based, numbered in row-major order of first pixel). */
    private record Components(int[] labels, int[] sizes) {

        static Components label(boolean[] mask, int width, int height) {
            int[] labels = new int[mask.length];
            int[] stack = new int[mask.length];
            int count = 0;
            int[] sizes = new int[16];
            for (int start = 0; start < mask.length; start++) {
                if (!mask[start] || labels[start] != 0) {
                    continue;
                }
                count++;
                if (count >= sizes.length) {
                    sizes = java.util.Arrays.copyOf(sizes, sizes.length * 2);
                }
                int top = 0;
                stack[top++] = start;
                labels[start] = count;
                int size = 0;
                while (top > 0) {
                    int p = stack[--top];
                    size++;
                    int py = p / width;
                    int px = p - py * width;
                    for (int dy = -1; dy <= 1; dy++) {
                        int ny = py + dy;
                        if (ny < 0 || ny >= height) {
                            continue;
                        }
                        for (int dx = -1; dx <= 1; dx++) {
                            int nx = px + dx;
                            if (nx < 0 || nx >= width) {
                                continue;
                            }
                            int q = ny * width + nx;
                            if (mask[q] && labels[q] == 0) {
                                labels[q] = count;
                                stack[top++] = q;
                            }
                        }
                    }
                }
                sizes[count] = size;
            }
            return new Components(labels, java.util.Arrays.copyOf(sizes, count + 1));
        }
    }
}
