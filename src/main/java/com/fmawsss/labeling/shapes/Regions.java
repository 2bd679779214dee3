package com.fmawsss.labeling.shapes;

import java.util.ArrayList;
import java.util.List;
import java.util.Comparator;

/** Splits a label map into 4-connected regions of equal label. */
public final class Regions {

    private Regions() {}

    /**
     * Every 4-connected region of every label in {@code [1, maxLabel]}, ordered by label, then by
     * the row-major position of the region's first pixel.
     *
     * @param labels row-major labels
     * @param width columns
     * @param height rows
     * @param maxLabel largest label to extract (0 and larger labels, e.g. 255 ignore, are skipped)
     */
    public static List<Region> of(int[] labels, int width, int height, int maxLabel) {
        int[] component = new int[labels.length];
        List<int[]> boxes = new ArrayList<>();
        List<Integer> owners = new ArrayList<>();
        int[] stack = new int[labels.length];
        for (int start = 0; start < labels.length; start++) {
            int label = labels[start];
            if (label < 1 || label > maxLabel || component[start] != 0) {
                continue;
            }
            int id = boxes.size() + 1;
            int[] box = {start % width, start / width, start % width, start / width, 0};
            int top = 0;
            stack[top++] = start;
            component[start] = id;
            while (top > 0) {
                int p = stack[--top];
                int x = p % width;
                int y = p / width;
                box[0] = Math.min(box[0], x);
                box[1] = Math.min(box[1], y);
                box[2] = Math.max(box[2], x);
                box[3] = Math.max(box[3], y);
                box[4]++;
                if (x > 0 && labels[p - 1] == label && component[p - 1] == 0) {
                    component[p - 1] = id;
                    stack[top++] = p - 1;
                }
                if (x < width - 1 && labels[p + 1] == label && component[p + 1] == 0) {
                    component[p + 1] = id;
                    stack[top++] = p + 1;
                }
                if (y > 0 && labels[p - width] == label && component[p - width] == 0) {
                    component[p - width] = id;
                    stack[top++] = p - width;
                }
                if (y < height - 1 && labels[p + width] == label && component[p + width] == 0) {
                    component[p + width] = id;
                    stack[top++] = p + width;
                }
            }
            boxes.add(box);
            owners.add(label);
        }
        List<Region> regions = new ArrayList<>(boxes.size());
        for (int i = 0; i < boxes.size(); i++) {
            int[] box = boxes.get(i);
            int boxWidth = box[2] - box[0] + 1;
            boolean[] crop = new boolean[boxWidth * (box[3] - box[1] + 1)];
            for (int y = box[1]; y <= box[3]; y++) {
                for (int x = box[0]; x <= box[2]; x++) {
                    crop[(y - box[1]) * boxWidth + (x - box[0])] = component[y * width + x] == i + 1;
                }
            }
            regions.add(new Region(owners.get(i), box[0], box[1], box[2], box[3], crop, box[4]));
        }
        regions.sort(Comparator.comparingInt(Region::label));
        return regions;
    }
}
