package com.fmawsss.datasets;

import com.fmawsss.masks.CocoRle;
import java.util.Arrays;

/**
 * Rasterises COCO polygons exactly as pycocotools does ({@code rleFrPoly} in {@code maskApi.c}),
 * so ground truth built here equals {@code COCO.annToMask} pixel for pixel.
 *
 * <p>The algorithm: vertices are scaled by 5 and rounded, every edge is walked densely on that
 * 5x grid (Bresenham-like, always from its lower to its upper end along the major axis so the
 * rounding does not depend on the direction), and wherever the walk crosses a pixel-centre column
 * ({@code (x + 0.5) / 5 - 0.5} an integer inside the image) the crossing row {@code ceil((y + 0.5)
 * / 5 - 0.5)}, clamped to {@code [0, H]}, toggles the mask. The sorted toggle positions in
 * column-major order are the RLE run boundaries; equal positions cancel. Reproducing it (rather
 * than a textbook even-odd scan-line fill) keeps pycocotools' boundary rounding exactly.
 */
public final class CocoPolygons {

    private static final double SCALE = 5;
    // Dense boundary points kept in memory; far beyond any real annotation (COCO: a few thousand).
    private static final long MAX_BOUNDARY_POINTS = 50_000_000L;

    private CocoPolygons() {}

    /**
     * Rasterises one polygon.
     *
     * @param xy vertices {@code x0, y0, x1, y1, ...} in pixel coordinates (an odd trailing value is
     *     ignored, as pycocotools does)
     * @param height image height H
     * @param width image width W
     * @return the mask
     * @throws IllegalArgumentException for non-finite or absurdly large coordinates
     */
    public static CocoRle rasterize(double[] xy, int height, int width) {
        int k = xy.length / 2;
        long pixels = (long) height * width;
        if (k == 0 || pixels == 0) {
            return new CocoRle(height, width, new int[] {(int) pixels});
        }
        int[] x = new int[k + 1];
        int[] y = new int[k + 1];
        for (int j = 0; j < k; j++) {
            x[j] = scaled(xy[2 * j]);
            y[j] = scaled(xy[2 * j + 1]);
        }
        x[k] = x[0];
        y[k] = y[0];
        long total = 0;
        for (int j = 0; j < k; j++) {
            total += Math.max(Math.abs((long) x[j] - x[j + 1]), Math.abs((long) y[j] - y[j + 1])) + 1;
        }
        if (total > MAX_BOUNDARY_POINTS) {
            throw new IllegalArgumentException("polygon too large for a " + height + "x" + width + " image");
        }
        int m = (int) total;
        int[] u = new int[m];
        int[] v = new int[m];
        m = 0;
        for (int j = 0; j < k; j++) {
            int xs = x[j];
            int xe = x[j + 1];
            int ys = y[j];
            int ye = y[j + 1];
            int dx = Math.abs(xe - xs);
            int dy = Math.abs(ys - ye);
            boolean flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
            if (flip) {
                int t = xs;
                xs = xe;
                xe = t;
                t = ys;
                ys = ye;
                ye = t;
            }
            // A zero-length edge gives s = NaN; its single point never counts as a crossing.
            double s = dx >= dy ? (double) (ye - ys) / dx : (double) (xe - xs) / dy;
            if (dx >= dy) {
                for (int d = 0; d <= dx; d++) {
                    int t = flip ? dx - d : d;
                    u[m] = t + xs;
                    v[m] = (int) (ys + s * t + .5);
                    m++;
                }
            } else {
                for (int d = 0; d <= dy; d++) {
                    int t = flip ? dy - d : d;
                    v[m] = t + ys;
                    u[m] = (int) (xs + s * t + .5);
                    m++;
                }
            }
        }
        // Crossings of pixel-centre columns, downsampled to pixel coordinates.
        long[] toggles = new long[m + 1];
        int n = 0;
        for (int j = 1; j < m; j++) {
            if (u[j] == u[j - 1]) {
                continue;
            }
            double xd = u[j] < u[j - 1] ? u[j] : u[j] - 1;
            xd = (xd + .5) / SCALE - .5;
            if (Math.floor(xd) != xd || xd < 0 || xd > width - 1) {
                continue;
            }
            double yd = v[j] < v[j - 1] ? v[j] : v[j - 1];
            yd = (yd + .5) / SCALE - .5;
            if (yd < 0) {
                yd = 0;
            } else if (yd > height) {
                yd = height;
            }
            yd = Math.ceil(yd);
            toggles[n++] = (long) xd * height + (long) yd;
        }
        toggles[n++] = pixels;
        Arrays.sort(toggles, 0, n);
        // Differences are run lengths; a zero difference (two toggles at one place) cancels out.
        int[] counts = new int[n];
        int runs = 0;
        long previous = 0;
        int j = 0;
        long[] diffs = new long[n];
        for (int i = 0; i < n; i++) {
            diffs[i] = toggles[i] - previous;
            previous = toggles[i];
        }
        counts[runs++] = (int) diffs[j++];
        while (j < n) {
            if (diffs[j] > 0) {
                counts[runs++] = (int) diffs[j++];
            } else {
                j++;
                if (j < n) {
                    counts[runs - 1] += (int) diffs[j++];
                }
            }
        }
        return new CocoRle(height, width, Arrays.copyOf(counts, runs));
    }

    private static int scaled(double coordinate) {
        if (!Double.isFinite(coordinate) || Math.abs(coordinate) > 1e8) {
            throw new IllegalArgumentException("polygon coordinate out of range: " + coordinate);
        }
        return (int) (SCALE * coordinate + .5); // C's (int) cast truncates toward zero, as Java's does
    }
}
