package com.fmawsss.labeling.labelstudio;

import com.fmawsss.labeling.ClickMask;
import com.fmawsss.labeling.Segmentation;
import com.fmawsss.labeling.shapes.BoundaryTracer;
import com.fmawsss.labeling.shapes.Region;
import com.fmawsss.labeling.shapes.Regions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Turns a label map, or a click's mask, into Label Studio result items for the configured control:
 * one brush region (Label Studio RLE) per class present, or one polygon per 4-connected region of
 * at least {@code polygonMinArea} pixels, in percent coordinates.
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
                double score = segmentation.probability(className);
                scoreSum += score;
                items.add(polygon(region, "fma-" + region.label() + "-" + index++, target, w, h, mapping.labelOf(className), score));
            }
        }
        return new LabelStudioPrediction.Predicted(items, items.isEmpty() ? 0 : scoreSum / items.size(), modelVersion);
    }

    /**
     * Encodes the mask of a click: one brush region, or one polygon per 4-connected part of at least
     * {@code polygonMinArea} pixels (the largest part whatever its size, so a small object still gets
     * its outline); every region scored with SAM's predicted IoU.
     *
     * @param idPrefix region ids are this, or this plus {@code -<n>} for further polygons
     */
    public static LabelStudioPrediction.Predicted encode(ClickMask click, LabelConfig.Target target, String label, String idPrefix,
            int polygonMinArea, String modelVersion) {
        int w = click.width();
        int h = click.height();
        LabelConfig.ControlType type = target.control().type();
        List<LabelStudioPrediction.ResultItem> items = new ArrayList<>();
        if (type == LabelConfig.ControlType.BRUSH_LABELS) {
            if (click.area() > 0) {
                items.add(new LabelStudioPrediction.ResultItem(idPrefix, target.control().name(), target.imageName(),
                        type.resultType(), w, h, 0,
                        new LabelStudioPrediction.BrushValue("rle", BrushRle.encode(click.mask()), List.of(label)),
                        click.predictedIou()));
            }
        } else {
            int[] labels = new int[click.mask().length];
            for (int p = 0; p < labels.length; p++) {
                labels[p] = click.mask()[p] ? 1 : 0;
            }
            List<Region> regions = new ArrayList<>(Regions.of(labels, w, h, 1));
            regions.sort(Comparator.comparingLong(Region::area).reversed());
            for (int i = 0; i < regions.size(); i++) {
                if (i > 0 && regions.get(i).area() < polygonMinArea) {
                    break;
                }
                items.add(polygon(regions.get(i), i == 0 ? idPrefix : idPrefix + "-" + i, target, w, h, label, click.predictedIou()));
            }
        }
        return new LabelStudioPrediction.Predicted(items, items.isEmpty() ? 0 : click.predictedIou(), modelVersion);
    }

    private static LabelStudioPrediction.ResultItem polygon(Region region, String id, LabelConfig.Target target, int w, int h,
            String label, double score) {
        int[] polygon = BoundaryTracer.trace(region);
        List<double[]> points = new ArrayList<>(polygon.length / 2);
        for (int i = 0; i < polygon.length; i += 2) {
            points.add(new double[] {polygon[i] * 100.0 / w, polygon[i + 1] * 100.0 / h});
        }
        return new LabelStudioPrediction.ResultItem(id, target.control().name(), target.imageName(),
                target.control().type().resultType(), w, h, 0, new LabelStudioPrediction.PolygonValue(points, List.of(label), true), score);
    }
}
