package com.fmawsss.labeling.labelstudio;

import com.fmawsss.labeling.Segmentation;
import com.fmawsss.labeling.shapes.BoundaryTracer;
import com.fmawsss.labeling.shapes.Region;
import com.fmawsss.labeling.shapes.Regions;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a label map into Label Studio result items for the configured control: one brush region
 * (Label Studio RLE) per class present, or one polygon per 4-connected region of at least {@code
 * polygonMinArea} pixels, in percent coordinates.
 */
public final class PredictionEncoder {

    private PredictionEncoder() {}

    /**
     * Encodes a label map.
     *
     * @param segmentation the label map over {@code mapping.classNames()}
     * @param target the control and image
     * @param mapping class to label
     * @param polygonMinArea smallest polygon region in pixels
     * @return the prediction
     */
    public static LabelStudioPrediction.Predicted encode(Segmentation segmentation, LabelConfig.Target target, LabelMapping mapping,
            int polygonMinArea, String modelVersion) {
        List<LabelStudioPrediction.ResultItem> items = new ArrayList<>();
        int w = segmentation.width();
        int h = segmentation.height();
        LabelConfig.ControlType type = target.control().type();
        List<String> classes = segmentation.classes();
        double scoreSum = 0;
        if (type == LabelConfig.ControlType.BRUSH_LABELS) {
            int[] labels = segmentation.labels();
            for (int c = 1; c <= classes.size(); c++) {
                boolean[] mask = new boolean[labels.length];
                boolean any = false;
                for (int p = 0; p < labels.length; p++) {
                    if (labels[p] == c) {
                        mask[p] = true;
                        any = true;
                    }
                }
                if (!any) {
                    continue;
                }
                String className = classes.get(c - 1);
                double score = segmentation.probability(className);
                scoreSum += score;
                items.add(new LabelStudioPrediction.ResultItem("fma-" + c, target.control().name(), target.imageName(), type.resultType(), w, h,
                        0, new LabelStudioPrediction.BrushValue("rle", BrushRle.encode(mask), List.of(mapping.labelOf(className))), score));
            }
        } else {
            int index = 0;
            for (Region region : Regions.of(segmentation.labels(), w, h, classes.size())) {
                if (region.area() < polygonMinArea) {
                    continue;
                }
                String className = classes.get(region.label() - 1);
                int[] polygon = BoundaryTracer.trace(region);
                List<double[]> points = new ArrayList<>(polygon.length / 2);
                for (int i = 0; i < polygon.length; i += 2) {
                    points.add(new double[] {polygon[i] * 100.0 / w, polygon[i + 1] * 100.0 / h});
                }
                double score = segmentation.probability(className);
                scoreSum += score;
                items.add(new LabelStudioPrediction.ResultItem("fma-" + region.label() + "-" + index++, target.control().name(),
                        target.imageName(), type.resultType(), w, h, 0,
                        new LabelStudioPrediction.PolygonValue(points, List.of(mapping.labelOf(className)), true), score));
            }
        }
        return new LabelStudioPrediction.Predicted(items, items.isEmpty() ? 0 : scoreSum / items.size(), modelVersion);
    }
}
