package com.fmawsss.labeling.cvat;

import com.fmawsss.labeling.ClickMask;
import com.fmawsss.sam.SamPrompt;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * CVAT's interactor protocol, the service's half. CVAT's lambda manager sends an {@code interactor}
 * function {@code {"image": <base64 frame>, "pos_points": [[x, y], ...], "neg_points": [[x, y], ...],
 * "obj_bbox": null | [] | [[x1, y1], [x2, y2]]}} (cvat {@code apps/lambda_manager/views.py::
 * LambdaFunction.invoke}; the UI sends {@code []} without a box, {@code cvat-ui tools-control.tsx}),
 * in pixels of the frame as floats, left clicks positive and right clicks negative. The UI takes
 * back {@code {"mask": rows, "bounds": [xtl, ytl, xbr, ybr]}}: the mask's rows over the inclusive
 * box, 0 outside and 255 inside ({@code tools-control.tsx::runInteractionRequest}, which traces the
 * polygon itself when no {@code points} come).
 */
public final class CvatInteractor {

    /** Foreground value of the answered rows, as CVAT's own SAM plugin writes them. */
    static final int INSIDE = 255;

    private CvatInteractor() {}

    /**
     * The answer CVAT's UI reads.
     *
     * @param mask rows of the box, {@code bounds[3] - bounds[1] + 1} rows of {@code bounds[2] - bounds[0] + 1} values
     * @param bounds {@code [xtl, ytl, xbr, ybr]}, inclusive pixel indices of the frame
     */
    public record Answer(List<int[]> mask, int[] bounds) {}

    /**
     * Reads the clicks and the box of an interactor call for a {@code width x height} frame.
     * Clicks just outside the frame (CVAT's canvas lets one click on its margin) are moved onto its
     * edge, the box is clipped to it; a click further off is refused.
     *
     * @throws IllegalArgumentException naming what is not CVAT's form, or a call with neither a click nor a box
     */
    public static SamPrompt prompt(JsonNode body, int width, int height, int maxPoints) {
        List<SamPrompt.Point> points = new ArrayList<>();
        points(body.path("pos_points"), "pos_points", true, width, height, points);
        points(body.path("neg_points"), "neg_points", false, width, height, points);
        if (points.size() > maxPoints) {
            throw new IllegalArgumentException("at most " + maxPoints + " points per call, got " + points.size());
        }
        SamPrompt.Box box = box(body.path("obj_bbox"), width, height);
        if (points.isEmpty() && box == null) {
            throw new IllegalArgumentException("an interactor call needs a positive or negative point, or 'obj_bbox'");
        }
        return new SamPrompt(points, box);
    }

    /**
     * The mask as CVAT's UI takes it: cropped to the box around it.
     *
     * @throws IllegalArgumentException when the mask is empty (CVAT can make no shape of it)
     */
    public static Answer answer(ClickMask click) {
        int w = click.width();
        int h = click.height();
        boolean[] mask = click.mask();
        int left = w;
        int top = h;
        int right = -1;
        int bottom = -1;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if (mask[y * w + x]) {
                    left = Math.min(left, x);
                    right = Math.max(right, x);
                    top = Math.min(top, y);
                    bottom = Math.max(bottom, y);
                }
            }
        }
        if (right < 0) {
            throw new IllegalArgumentException("SAM found no object at these points: add a positive point on the object");
        }
        List<int[]> rows = new ArrayList<>(bottom - top + 1);
        for (int y = top; y <= bottom; y++) {
            int[] row = new int[right - left + 1];
            for (int x = left; x <= right; x++) {
                row[x - left] = mask[y * w + x] ? INSIDE : 0;
            }
            rows.add(row);
        }
        return new Answer(rows, new int[] {left, top, right, bottom});
    }

    private static void points(JsonNode node, String field, boolean positive, int width, int height, List<SamPrompt.Point> into) {
        if (node.isMissingNode() || node.isNull()) {
            return;
        }
        if (!node.isArray()) {
            throw new IllegalArgumentException("'" + field + "' must be a list of [x, y] points");
        }
        for (JsonNode point : node) {
            double[] xy = xy(point, field);
            if (offBy(xy[0], width) > margin(width) || offBy(xy[1], height) > margin(height)) {
                throw new IllegalArgumentException("point (" + xy[0] + ", " + xy[1] + ") of '" + field + "' lies outside the "
                        + width + "x" + height + " frame");
            }
            into.add(new SamPrompt.Point(onto(xy[0], width), onto(xy[1], height), positive));
        }
    }

    private static SamPrompt.Box box(JsonNode node, int width, int height) {
        if (node.isMissingNode() || node.isNull() || (node.isArray() && node.isEmpty())) {
            return null;
        }
        if (!node.isArray() || node.size() != 2) {
            throw new IllegalArgumentException("'obj_bbox' must be [[x1, y1], [x2, y2]], [] or null");
        }
        double[] a = xy(node.get(0), "obj_bbox");
        double[] b = xy(node.get(1), "obj_bbox");
        double x1 = Math.max(0, Math.min(a[0], b[0]));
        double y1 = Math.max(0, Math.min(a[1], b[1]));
        double x2 = Math.min(width, Math.max(a[0], b[0]));
        double y2 = Math.min(height, Math.max(a[1], b[1]));
        if (!(x2 > x1 && y2 > y1)) {
            throw new IllegalArgumentException("'obj_bbox' " + node + " covers no part of the " + width + "x" + height + " frame");
        }
        return new SamPrompt.Box(x1, y1, x2, y2);
    }

    private static double[] xy(JsonNode point, String field) {
        if (!point.isArray() || point.size() != 2 || !point.get(0).isNumber() || !point.get(1).isNumber()
                || !Double.isFinite(point.get(0).asDouble()) || !Double.isFinite(point.get(1).asDouble())) {
            throw new IllegalArgumentException("each point of '" + field + "' is [x, y] with numbers, got " + point);
        }
        return new double[] {point.get(0).asDouble(), point.get(1).asDouble()};
    }

    /** How far a click may miss the frame and still count as on its edge: 2 % of the side, at least 2 pixels. */
    private static double margin(int size) {
        return Math.max(2, 0.02 * size);
    }

    private static double offBy(double pixel, int size) {
        return pixel < 0 ? -pixel : Math.max(0, pixel - size);
    }

    private static double onto(double pixel, int size) {
        return Math.min(Math.max(0, pixel), Math.nextDown((double) size));
    }
}
