package com.fmawsss.sam;

import com.fmawsss.masks.CocoRle;

/**
 * One mask during automatic mask generation, in image coordinates.
 *
 * @param mask the binary mask (COCO RLE over the whole image)
 * @param box SAM box {@code (x0, y0, x1, y1)}, inclusive ends
 * @param level 0 subpart, 1 part, 2 whole
 * @param predictedIou the decoder's IoU prediction
 * @param stability the stability score
 * @param crop the crop the mask came from
 */
public record MaskCandidate(CocoRle mask, int[] box, int level, float predictedIou, float stability, CropBoxes.Crop crop) {

    /** Copies the box. */
    public MaskCandidate {
        box = box.clone();
    }

    @Override
    public int[] box() {
        return box.clone();
    }

    /**
     * Returns a copy with another mask and box (after small-region cleaning).
     *
     * @return the copy
     */
    public MaskCandidate withMask(CocoRle newMask, int[] newBox) {
        return new MaskCandidate(newMask, newBox, level, predictedIou, stability, crop);
    }
}
