package com.fmawsss.labeling.labelstudio;

import com.fmawsss.sam.SamPrompt;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/**
 * The smart-tool regions Label Studio sends with an interactive prediction ({@code
 * params.context.result} of {@code /predict}): when an annotator finishes a keypoint or a rectangle
 * with a {@code smart="true"} control, Label Studio's editor sends every smart region of that type
 * and label on the image (Label Studio {@code web/libs/editor/src/mixins/Regions.js::
 * getConnectedDynamicRegions}, {@code DataManager.jsx} on {@code regionFinishedDrawing}). Positions
 * are in percent of the image (0-100); a keypoint carries {@code is_positive}, a rectangle its
 * {@code width}, {@code height} and {@code rotation} (degrees, about its top-left corner).
 *
 * <p>Read as SAM's example backend reads them (label-studio-ml-backend {@code
 * segment_anything_model/model.py::predict}): keypoints are clicks, positive when {@code is_positive}
 * is true; the last rectangle is the box; the label is the last region's {@code value.<type>[0]}.
 * Positions stay fractional (the example truncates them to whole pixels), and a rotated rectangle
 * becomes the box around it in pixels (the example ignores the rotation).
 *
 * @param toName the image the regions are on
 * @param label the label the annotator chose with the smart tool, or {@code null}
 * @param points keypoints, percent, in the order sent
 * @param box the rectangle, or {@code null}
 */
public record SmartRegions(String toName, String label, List<PercentPoint> points, PercentRectangle box) {

    static final String KEYPOINT = "keypointlabels";
    static final String RECTANGLE = "rectanglelabels";

    /** A keypoint at {@code (x, y)} percent of the image's width and height. */
    public record PercentPoint(double x, double y, boolean positive) {}

    /**
     * A rectangle as Label Studio stores it: top-left corner {@code (x, y)}, {@code width} and
     * {@code height} in percent, turned {@code rotation} degrees clockwise about the top-left corner.
     */
    public record PercentRectangle(double x, double y, double width, double height, double rotation) {

        /**
         * The axis-aligned box around the rectangle in pixels of a {@code imageWidth x imageHeight}
         * image, clipped to it: the rotation is exact there, not in percent (whose units differ across
         * the two axes of a non-square image).
         */
        SamPrompt.Box inPixels(int imageWidth, int imageHeight) {
            double x0 = x * imageWidth / 100;
            double y0 = y * imageHeight / 100;
            double w = width * imageWidth / 100;
            double h = height * imageHeight / 100;
            double radians = Math.toRadians(rotation);
            double cos = Math.cos(radians);
            double sin = Math.sin(radians);
            double[][] corners = {{0, 0}, {w, 0}, {w, h}, {0, h}};
            double x1 = Double.POSITIVE_INFINITY;
            double y1 = Double.POSITIVE_INFINITY;
            double x2 = Double.NEGATIVE_INFINITY;
            double y2 = Double.NEGATIVE_INFINITY;
            for (double[] c : corners) {
                double cx = x0 + c[0] * cos - c[1] * sin;
                double cy = y0 + c[0] * sin + c[1] * cos;
                x1 = Math.min(x1, cx);
                y1 = Math.min(y1, cy);
                x2 = Math.max(x2, cx);
                y2 = Math.max(y2, cy);
            }
            return new SamPrompt.Box(Math.max(0, x1), Math.max(0, y1), Math.min(imageWidth, x2), Math.min(imageHeight, y2));
        }
    }

    public SmartRegions {
        points = List.copyOf(points);
    }

    /**
     * Reads a predict request's {@code params.context}.
     *
     * @param context {@code {"result": [...]}}, or null/missing for a batch prediction
     * @return the regions, or empty when the context holds no keypoint or rectangle (not a click)
     * @throws IllegalArgumentException naming the region Label Studio would never have sent
     */
    public static Optional<SmartRegions> parse(JsonNode context, int maxPoints) {
        JsonNode result = context == null ? null : context.path("result");
        if (result == null || !result.isArray() || result.isEmpty()) {
            return Optional.empty();
        }
        String toName = null;
        String label = null;
        List<PercentPoint> points = new ArrayList<>();
        PercentRectangle box = null;
        for (JsonNode region : result) {
            String type = region.path("type").asString("");
            if (!type.equals(KEYPOINT) && !type.equals(RECTANGLE)) {
                continue; // other smart regions (a brush stroke) are not prompts
            }
            JsonNode value = region.path("value");
            double x = percent(value, "x", type);
            double y = percent(value, "y", type);
            String regionImage = region.path("to_name").asString(null);
            if (regionImage == null || regionImage.isBlank()) {
                throw new IllegalArgumentException("a " + type + " region of the context has no 'to_name'");
            }
            if (toName != null && !toName.equals(regionImage)) {
                throw new IllegalArgumentException("the context's regions are on two images, '" + toName + "' and '"
                        + regionImage + "'");
            }
            toName = regionImage;
            label = labelOf(value, type, label);
            if (type.equals(KEYPOINT)) {
                points.add(new PercentPoint(x, y, region.path("is_positive").asBoolean(false)));
                if (points.size() > maxPoints) {
                    throw new IllegalArgumentException("at most " + maxPoints + " keypoints per prompt");
                }
            } else {
                box = rectangle(value, x, y);
            }
        }
        if (toName == null) {
            return Optional.empty();
        }
        return Optional.of(new SmartRegions(toName, label, points, box));
    }

    /**
     * The regions in pixels of a {@code width x height} image, points kept inside its pixels and the
     * box inside its bounds (Label Studio lets a region end exactly on the far edge, at 100 %).
     */
    public SamPrompt inPixels(int width, int height) {
        List<SamPrompt.Point> clicks = new ArrayList<>(points.size());
        for (PercentPoint p : points) {
            clicks.add(new SamPrompt.Point(inside(p.x() * width / 100, width), inside(p.y() * height / 100, height), p.positive()));
        }
        return new SamPrompt(clicks, box == null ? null : box.inPixels(width, height));
    }

    private static double inside(double pixel, int size) {
        return Math.min(Math.max(0, pixel), Math.nextDown((double) size));
    }

    private static double percent(JsonNode value, String field, String type) {
        JsonNode v = value.path(field);
        if (!v.isNumber() || !Double.isFinite(v.asDouble()) || v.asDouble() < 0 || v.asDouble() > 100) {
            throw new IllegalArgumentException("a " + type + " region's value." + field + " must be a percentage (0-100), got "
                    + (v.isMissingNode() ? "nothing" : v.toString()));
        }
        return v.asDouble();
    }

    private static String labelOf(JsonNode value, String type, String previous) {
        JsonNode labels = value.path(type);
        if (!labels.isArray() || labels.isEmpty()) {
            labels = value.path("labels");
        }
        if (labels.isArray() && !labels.isEmpty() && labels.get(0).isString()) {
            return labels.get(0).asString();
        }
        return previous;
    }

    private static PercentRectangle rectangle(JsonNode value, double x, double y) {
        JsonNode w = value.path("width");
        JsonNode h = value.path("height");
        if (!w.isNumber() || !h.isNumber() || !(w.asDouble() > 0) || !(h.asDouble() > 0)) {
            throw new IllegalArgumentException("a rectanglelabels region needs a positive value.width and value.height");
        }
        JsonNode rotation = value.path("rotation");
        if (!rotation.isMissingNode() && !rotation.isNull() && !(rotation.isNumber() && Double.isFinite(rotation.asDouble()))) {
            throw new IllegalArgumentException("a rectanglelabels region's value.rotation must be a number of degrees");
        }
        return new PercentRectangle(x, y, w.asDouble(), h.asDouble(), rotation.asDouble(0));
    }
}
