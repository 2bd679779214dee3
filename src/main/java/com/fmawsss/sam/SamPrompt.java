package com.fmawsss.sam;

import java.util.List;

/**
 * One interactive prompt, in pixels of the upright image (x right, y down, origin at the top-left
 * corner of the top-left pixel, as the image is shown): clicked points and an optional box.
 *
 * @param points positive (inside the object) and negative (outside) clicks, in click order
 * @param box the box, or {@code null}
 */
public record SamPrompt(List<Point> points, Box box) {

    public record Point(double x, double y, boolean positive) {}

    /** Corners {@code (x1, y1)} top-left and {@code (x2, y2)} bottom-right. */
    public record Box(double x1, double y1, double x2, double y2) {}

    public SamPrompt {
        points = List.copyOf(points);
        if (points.isEmpty() && box == null) {
            throw new IllegalArgumentException("a prompt needs a point or a box");
        }
    }

    /**
     * The point SAM's answer is about: the first positive click, else the box's centre, else the
     * first click (a prompt of negative clicks only).
     */
    public double[] anchor() {
        for (Point p : points) {
            if (p.positive()) {
                return new double[] {p.x(), p.y()};
            }
        }
        if (box != null) {
            return new double[] {(box.x1() + box.x2()) / 2, (box.y1() + box.y2()) / 2};
        }
        return new double[] {points.get(0).x(), points.get(0).y()};
    }
}
