package com.fmawsss.sam;

import com.fmawsss.masks.CocoRle;

/**
 * One quasi-superpixel: a SAM mask kept by FMA's modified automatic mask generator (spec §4).
 *
 * <p>Where classic superpixels are small, uniform over-segments, FMA prompts SAM with a point grid
 * and keeps its three granularities per point: <em>whole</em> objects, their <em>parts</em> and
 * <em>subparts</em>. Whole masks are selected first and lower levels are added only where they
 * mostly cover new ground, so the set tiles the image at object level where SAM is confident and
 * falls back to finer regions elsewhere. Each quasi-superpixel is later classified as a unit by
 * SAMS, which is what makes the seeds follow object boundaries.
 *
 * @param mask the binary mask at image resolution
 * @param level SAM's multimask index: {@link #SUBPART}, {@link #PART} or {@link #WHOLE}
 * @param predictedIou SAM's predicted IoU of the mask
 * @param stability SAM's stability score of the mask
 */
public record QuasiSuperpixel(CocoRle mask, int level, float predictedIou, float stability) {

    /** Level of SAM's first multimask output: the finest granularity. */
    public static final int SUBPART = 0;

    /** Level of SAM's second multimask output. */
    public static final int PART = 1;

    /** Level of SAM's third multimask output: whole objects, which win when painting seeds. */
    public static final int WHOLE = 2;

    /** Validates the mask and the level. */
    public QuasiSuperpixel {
        if (mask == null) {
            throw new IllegalArgumentException("quasi-superpixel mask is missing");
        }
        if (level < SUBPART || level > WHOLE) {
            throw new IllegalArgumentException("quasi-superpixel level must be 0 (subpart), 1 (part) or 2 (whole), got "
                    + level);
        }
    }
}
