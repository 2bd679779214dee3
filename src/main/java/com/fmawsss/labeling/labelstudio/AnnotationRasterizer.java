package com.fmawsss.labeling.labelstudio;

import com.fmawsss.labeling.shapes.PolygonRasterizer;
import java.util.Locale;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * Paints a Label Studio annotation into a label map: its brush regions (Label Studio's RLE, {@link
 * BrushRle}) and polygons ({@link PolygonRasterizer}, points in percent of the image). Pure.
 */
final class AnnotationRasterizer {

    private AnnotationRasterizer() {}

    /**
     * The label map of an annotation: regions of the answered control painted in result order with
     * their label's value ({@code labelValues}: vocabulary label, or 255 when the label names no
     * single vocabulary class; labels missing from the config are 255 too).
     */
    static int[] paint(JsonNode results, LabelConfig.Target target, Map<String, Integer> labelValues, int width, int height) {
        int[] labels = new int[width * height];
        for (JsonNode result : results) {
            if (!target.control().name().equals(result.path("from_name").asString(""))) {
                continue;
            }
            String type = result.path("type").asString("").toLowerCase(Locale.ROOT);
            JsonNode value = result.path("value");
            boolean[] mask;
            if (type.equals("brushlabels")) {
                int ow = result.path("original_width").asInt(-1);
                int oh = result.path("original_height").asInt(-1);
                if (ow != width || oh != height) {
                    throw new IllegalArgumentException("a brush region is for a " + ow + "x" + oh + " image; the image is "
                            + width + "x" + height);
                }
                if (!"rle".equals(value.path("format").asString("rle")) || !value.path("rle").isArray()) {
                    throw new IllegalArgumentException("a brush region has no RLE");
                }
                int[] rle = new int[value.path("rle").size()];
                for (int i = 0; i < rle.length; i++) {
                    rle[i] = value.path("rle").get(i).asInt(-1);
                }
                mask = BrushRle.decodeMask(rle, width, height);
            } else if (type.equals("polygonlabels")) {
                JsonNode points = value.path("points");
                double[] xy = new double[points.size() * 2];
                for (int i = 0; i < points.size(); i++) {
                    xy[2 * i] = points.get(i).path(0).asDouble() * width / 100.0;
                    xy[2 * i + 1] = points.get(i).path(1).asDouble() * height / 100.0;
                }
                mask = PolygonRasterizer.fill(xy, width, height);
            } else {
                continue;
            }
            String label = value.path(type).path(0).asString("");
            int paint = labelValues.getOrDefault(label, 255);
            for (int p = 0; p < mask.length; p++) {
                if (mask[p]) {
                    labels[p] = paint;
                }
            }
        }
        return labels;
    }
}
