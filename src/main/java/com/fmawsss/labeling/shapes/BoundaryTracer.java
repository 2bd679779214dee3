package com.fmawsss.labeling.shapes;

import java.util.ArrayList;
import java.util.List;

/**
 * The outer boundary of a 4-connected region as a polygon along pixel edges. Vertices are pixel
 * corners in image coordinates: pixel {@code (x, y)} covers {@code [x, x + 1] x [y, y + 1]}; only
 * corners where the boundary turns are kept. The polygon encloses exactly the region's pixels when
 * the region has no holes (holes are inside the outer boundary and therefore covered); at a pinch
 * point the boundary may touch itself, which even-odd rasterisation at pixel centres handles.
 */
public final class BoundaryTracer {

    // Headings in clockwise order (image coordinates, y down): east, south, west, north.
    private static final int[] DX = {1, 0, -1, 0};
    private static final int[] DY = {0, 1, 0, -1};
    // The two pixels ahead of corner (x, y) when moving along a heading, as offsets from (x, y):
    // the one on the right-hand side (inside the region while the edge is followed) and the left one.
    private static final int[] RIGHT_DX = {0, -1, -1, 0};
    private static final int[] RIGHT_DY = {0, 0, -1, -1};
    private static final int[] LEFT_DX = {0, 0, -1, -1};
    private static final int[] LEFT_DY = {-1, 0, 0, -1};

    private BoundaryTracer() {}

    /**
     * Traces a region.
     *
     * @return vertices as {@code [x0, y0, x1, y1, ...]} in image coordinates, clockwise on screen
     */
    public static int[] trace(Region region) {
        int w = region.boxWidth();
        int h = region.boxHeight();
        boolean[] crop = region.crop();
        int first = 0;
        while (!crop[first]) {
            first++;
        }
        int startX = first % w;
        int startY = first / w;
        List<int[]> vertices = new ArrayList<>();
        int x = startX;
        int y = startY;
        int heading = 0;
        vertices.add(new int[] {x, y});
        // Walk with the region on the right-hand side; the first edge is the top edge of the first pixel.
        do {
            x += DX[heading];
            y += DY[heading];
            int next;
            if (!inside(crop, w, h, x + RIGHT_DX[heading], y + RIGHT_DY[heading])) {
                next = (heading + 1) % 4;
            } else if (inside(crop, w, h, x + LEFT_DX[heading], y + LEFT_DY[heading])) {
                next = (heading + 3) % 4;
            } else {
                next = heading;
            }
            if (next != heading && !(x == startX && y == startY)) {
                vertices.add(new int[] {x, y});
            }
            heading = next;
        } while (!(x == startX && y == startY && heading == 0));
        int[] polygon = new int[vertices.size() * 2];
        for (int i = 0; i < vertices.size(); i++) {
            polygon[2 * i] = vertices.get(i)[0] + region.left();
            polygon[2 * i + 1] = vertices.get(i)[1] + region.top();
        }
        return polygon;
    }

    private static boolean inside(boolean[] crop, int w, int h, int x, int y) {
        return x >= 0 && y >= 0 && x < w && y < h && crop[y * w + x];
    }
}
