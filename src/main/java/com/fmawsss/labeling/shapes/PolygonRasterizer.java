package com.fmawsss.labeling.shapes;

import java.util.Arrays;

/**
 * Fills a polygon into a pixel grid: a pixel belongs to it when its centre {@code (x + 0.5, y +
 * 0.5)} is inside by the even-odd rule. With this rule the outline that {@link BoundaryTracer}
 * draws around a region without holes fills back exactly that region.
 */
public final class PolygonRasterizer {

    private PolygonRasterizer() {}

    /**
     * Rasterises a polygon.
     *
     * @param points vertices {@code [x0, y0, x1, y1, ...]} in pixel coordinates (corner-based); at
     *     least three vertices, otherwise nothing is filled
     * @param width grid columns
     * @param height grid rows
     * @return row-major membership
     */
    public static boolean[] fill(double[] points, int width, int height) {
        boolean[] inside = new boolean[width * height];
        int n = points.length / 2;
        if (n < 3) {
            return inside;
        }
        double[] crossings = new double[n];
        for (int y = 0; y < height; y++) {
            double cy = y + 0.5;
            int count = 0;
            for (int i = 0; i < n; i++) {
                double x0 = points[2 * i];
                double y0 = points[2 * i + 1];
                double x1 = points[2 * ((i + 1) % n)];
                double y1 = points[2 * ((i + 1) % n) + 1];
                // Half-open in y, so a vertex on the scan line is counted once.
                if ((y0 <= cy) != (y1 <= cy)) {
                    crossings[count++] = x0 + (cy - y0) * (x1 - x0) / (y1 - y0);
                }
            }
            Arrays.sort(crossings, 0, count);
            for (int k = 0; k + 1 < count; k += 2) {
                int from = Math.max(0, (int) Math.ceil(crossings[k] - 0.5));
                int to = Math.min(width - 1, (int) Math.ceil(crossings[k + 1] - 0.5) - 1);
                for (int x = from; x <= to; x++) {
                    inside[y * width + x] = true;
                }
            }
        }
        return inside;
    }
}
