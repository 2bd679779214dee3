package com.fmawsss.cam;

/**
 * The CAA box mask of one class (spec §8): bounding rectangles of the contours of the thresholded
 * score, as CLIP-ES computes them with OpenCV, in pure Java.
 *
 * <p>{@code u8 = floor(score * 255)}; a pixel is foreground when {@code u8 > floor(threshold *
 * max u8)}. OpenCV's {@code findContours} traces 8-connected foreground components (with RETR_TREE
 * also their holes, whose boxes lie inside the outer box), so the union of boxes equals the union of
 * the components' bounding rectangles. Each box {@code (x, y, w, h)} is painted as {@code
 * mask[y : min(y+h, H-1), x : min(x+w, W-1)] = 1}: the exclusive end is clamped to {@code H-1},
 * so the last row and column are never set. This quirk of the official code is kept on purpose.
 */
public final class BoxMask {

    private BoxMask() {}

    /**
     * Computes the box mask.
     *
     * @param score normalised score in [0, 1], row-major {@code [h, w]}
     * @param height h
     * @param width w
     * @param threshold fraction of the maximum (0.4 / 0.5 / 0.6)
     * @return 0/1 values, row-major
     */
    public static float[] of(float[] score, int height, int width, double threshold) {
        int[] levels = new int[score.length];
        int maxLevel = 0;
        for (int i = 0; i < score.length; i++) {
            // numpy's astype(uint8) truncates toward zero; scores are in [0, 1].
            levels[i] = (int) (score[i] * 255f) & 0xff;
            maxLevel = Math.max(maxLevel, levels[i]);
        }
        int cut = (int) (threshold * maxLevel);
        boolean[] foreground = new boolean[score.length];
        for (int i = 0; i < score.length; i++) {
            foreground[i] = levels[i] > cut;
        }
        float[] mask = new float[score.length];
        int[] label = new int[score.length];
        int[] stack = new int[score.length];
        int components = 0;
        for (int start = 0; start < score.length; start++) {
            if (!foreground[start] || label[start] != 0) {
                continue;
            }
            components++;
            int x0 = width;
            int y0 = height;
            int x1 = -1;
            int y1 = -1;
            int top = 0;
            stack[top++] = start;
            label[start] = components;
            while (top > 0) {
                int p = stack[--top];
                int py = p / width;
                int px = p % width;
                x0 = Math.min(x0, px);
                y0 = Math.min(y0, py);
                x1 = Math.max(x1, px);
                y1 = Math.max(y1, py);
                for (int dy = -1; dy <= 1; dy++) {
                    for (int dx = -1; dx <= 1; dx++) {
                        int ny = py + dy;
                        int nx = px + dx;
                        if (ny < 0 || ny >= height || nx < 0 || nx >= width) {
                            continue;
                        }
                        int q = ny * width + nx;
                        if (foreground[q] && label[q] == 0) {
                            label[q] = components;
                            stack[top++] = q;
                        }
                    }
                }
            }
            // boundingRect gives w = x1 - x0 + 1; the painted end is min(x0 + w, W - 1), exclusive.
            int endX = Math.min(x1 + 1, width - 1);
            int endY = Math.min(y1 + 1, height - 1);
            for (int y = y0; y < endY; y++) {
                for (int x = x0; x < endX; x++) {
                    mask[y * width + x] = 1f;
                }
            }
        }
        return mask;
    }
}
