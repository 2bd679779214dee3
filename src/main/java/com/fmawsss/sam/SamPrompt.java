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

    /**
     * Checks the prompt against the image it is about: every click on a pixel of a {@code width x
     * height} image, the box inside it with {@code x2 > x1} and {@code y2 > y1}.
     *
     * @throws IllegalArgumentException naming the first point or the box that does not fit
     */
    public void requireWithin(int width, int height) {
        for (Point p : points) {
            if (!(p.x() >= 0 && p.x() < width && p.y() >= 0 && p.y() < height)) {
                throw new IllegalArgumentException("point (" + p.x() + ", " + p.y() + ") lies outside the " + width + "x"
                        + height + " image");
            }
        }
        if (box != null) {
            String corners = "[" + box.x1() + ", " + box.y1() + ", " + box.x2() + ", " + box.y2() + "]";
            if (!(box.x2() > box.x1() && box.y2() > box.y1())) {
                throw new IllegalArgumentException("the box " + corners + " needs x2 > x1 and y2 > y1");
            }
            if (!(box.x1() >= 0 && box.y1() >= 0 && box.x2() <= width && box.y2() <= height)) {
                throw new IllegalArgumentException("the box " + corners + " reaches outside the " + width + "x" + height
                        + " image");
            }
        }
    }
}
