package com.fmawsss.labeling.cvat;

import com.fmawsss.labeling.Segmentation;
import com.fmawsss.labeling.shapes.BoundaryTracer;
import com.fmawsss.labeling.shapes.Region;
import com.fmawsss.labeling.shapes.Regions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A label map as CVAT's detector result: one {@code "type": "mask"} shape per 4-connected region
 * of a class. {@code mask} is the region's bounding-box crop, row-major, 255 inside and 0 outside,
 * followed by the box {@code xtl, ytl, xbr, ybr} with inclusive corners (what CVAT's serverless
 * functions send and its lambda manager turns into its own RLE); {@code points} is the region's
 * outline along pixel edges (used when CVAT converts masks to polygons). Painting every mask back
 * gives exactly the label map (regions are disjoint); outlines of regions with holes cover the holes.
 */
public final class CvatDetections {

    private CvatDetections() {}

    /**
     * One shape of the answer.
     *
     * @param label the class name
     * @param type always {@code mask}
     * @param confidence the class's image-level probability, as CVAT's own functions send it (text)
     * @param points outline {@code [x0, y0, x1, y1, ...]}
     * @param mask crop values followed by the inclusive box
     */
    public record Detection(String label, String type, String confidence, int[] points, int[] mask) {}

    /**
     * Converts a label map.
     *
     * @param segmentation the label map
     * @return the shapes, by class, then in row-major order of their first pixel
     */
    public static List<Detection> of(Segmentation segmentation) {
        List<Detection> detections = new ArrayList<>();
        for (Region region : Regions.of(segmentation.labels(), segmentation.width(), segmentation.height(),
                segmentation.classes().size())) {
            String label = segmentation.classes().get(region.label() - 1);
            boolean[] crop = region.crop();
            int[] mask = new int[crop.length + 4];
            for (int i = 0; i < crop.length; i++) {
                mask[i] = crop[i] ? 255 : 0;
            }
            mask[crop.length] = region.left();
            mask[crop.length + 1] = region.top();
            mask[crop.length + 2] = region.right();
            mask[crop.length + 3] = region.bottom();
            detections.add(new Detection(label, "mask", String.format(Locale.ROOT, "%.4f", segmentation.probability(label)),
                    BoundaryTracer.trace(region), mask));
        }
        return detections;
    }
}
