package com.fmawsss.sam;

import java.util.Arrays;
import java.util.Locale;

/**
 * Settings of SAM automatic mask generation with the FMA modifications (spec §4, §8). Defaults
 * are the official FMA-WSSS values; a request profile may override any of them.
 *
 * @param pointsPerSide point grid of the full image (32x32)
 * @param pointsPerBatch point prompts per decoder call (64, SamAutomaticMaskGenerator's; the service uses 8 on a CPU: AmgProfileResolver)
 * @param predIouThresh predicted-IoU threshold before the per-level offset (0.86)
 * @param levelIouOffsets subtracted from the threshold per level subpart/part/whole (0, 0, 0.1)
 * @param stabilityThresh minimum stability score at every level (0.92)
 * @param stabilityOffset logit offset of the stability score (1.0)
 * @param boxNmsThresh box IoU threshold of the NMS inside a crop (0.7)
 * @param levelNmsBonus added to the predicted IoU as NMS score per level (0, 0, 1): wholes win
 * @param cropNLayers crop layers beyond the full image (1: plus 2x2 crops)
 * @param cropNmsThresh box IoU threshold of the NMS across crops (0.7)
 * @param cropOverlapRatio crop overlap as a fraction of the short side (512/1500)
 * @param cropPointDownscale point grid downscale per crop layer (2)
 * @param minMaskRegionArea holes and islands below this area are removed (100 px; 0 disables)
 * @param overlapFilterThreshold t_r of the whole > part > subpart filter (0.3)
 * @param maskThreshold logit threshold that binarises masks (0.0)
 */
public record AmgSettings(
        int pointsPerSide,
        int pointsPerBatch,
        double predIouThresh,
        double[] levelIouOffsets,
        double stabilityThresh,
        double stabilityOffset,
        double boxNmsThresh,
        double[] levelNmsBonus,
        int cropNLayers,
        double cropNmsThresh,
        double cropOverlapRatio,
        int cropPointDownscale,
        int minMaskRegionArea,
        double overlapFilterThreshold,
        double maskThreshold) {

    /** Validates ranges and copies the arrays. */
    public AmgSettings {
        levelIouOffsets = levelIouOffsets.clone();
        levelNmsBonus = levelNmsBonus.clone();
        if (pointsPerSide < 1 || pointsPerBatch < 1 || cropNLayers < 0 || cropPointDownscale < 1 || minMaskRegionArea < 0) {
            throw new IllegalArgumentException("invalid mask-generation settings");
        }
        if (levelIouOffsets.length != 3 || levelNmsBonus.length != 3) {
            throw new IllegalArgumentException("per-level settings need 3 values (subpart, part, whole)");
        }
        if (pointsPerSide / (int) Math.pow(cropPointDownscale, cropNLayers) < 1) {
            throw new IllegalArgumentException("the point grid of the deepest crop layer would be empty");
        }
    }

    public static AmgSettings defaults() {
        return builder().build();
    }

    /** A builder starting from the official FMA-WSSS settings. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these settings. */
    public Builder toBuilder() {
        return new Builder()
                .pointsPerSide(pointsPerSide).pointsPerBatch(pointsPerBatch)
                .predIouThresh(predIouThresh).levelIouOffsets(levelIouOffsets)
                .stabilityThresh(stabilityThresh).stabilityOffset(stabilityOffset)
                .boxNmsThresh(boxNmsThresh).levelNmsBonus(levelNmsBonus)
                .cropNLayers(cropNLayers).cropNmsThresh(cropNmsThresh).cropOverlapRatio(cropOverlapRatio)
                .cropPointDownscale(cropPointDownscale).minMaskRegionArea(minMaskRegionArea)
                .overlapFilterThreshold(overlapFilterThreshold).maskThreshold(maskThreshold);
    }

    /**
     * Returns the IoU threshold of one level.
     *
     * @param level 0 subpart, 1 part, 2 whole
     * @return {@code predIouThresh - levelIouOffsets[level]}
     */
    public double iouThreshold(int level) {
        return predIouThresh - levelIouOffsets[level];
    }

    /** A stable textual key of all settings, used in cache keys and response metadata. */
    public String key() {
        return String.format(Locale.ROOT, "pps=%d,iou=%s%s,stab=%s/%s,nms=%s%s,crop=%d/%s/%s/%d,min=%d,tr=%s,thr=%s",
                pointsPerSide, predIouThresh, Arrays.toString(levelIouOffsets), stabilityThresh, stabilityOffset,
                boxNmsThresh, Arrays.toString(levelNmsBonus), cropNLayers, cropNmsThresh, cropOverlapRatio,
                cropPointDownscale, minMaskRegionArea, overlapFilterThreshold, maskThreshold);
    }

    @Override
    public double[] levelIouOffsets() {
        return levelIouOffsets.clone();
    }

    @Override
    public double[] levelNmsBonus() {
        return levelNmsBonus.clone();
    }

    @Override
    public boolean equals(Object o) {
        // The point batch size changes speed and memory, never results: it is not part of the key.
        return o instanceof AmgSettings other && key().equals(other.key());
    }

    @Override
    public int hashCode() {
        return key().hashCode();
    }

    /**
     * Builder-style copy with another point grid.
     *
     * @param points points per side
     * @return the copy
     */
    public AmgSettings withPointsPerSide(int points) {
        return toBuilder().pointsPerSide(points).build();
    }

    /**
     * Builder-style copy with other quality thresholds.
     *
     * @param iou predicted-IoU threshold
     * @param stability stability threshold
     * @return the copy
     */
    public AmgSettings withThresholds(double iou, double stability) {
        return toBuilder().predIouThresh(iou).stabilityThresh(stability).build();
    }

    /**
     * Builder-style copy with another overlap-filter threshold t_r.
     *
     * @param threshold t_r
     * @return the copy
     */
    public AmgSettings withOverlapFilter(double threshold) {
        return toBuilder().overlapFilterThreshold(threshold).build();
    }

    /**
     * Builder-style copy with another point batch size.
     *
     * @param batch points per decoder call
     * @return the copy
     */
    public AmgSettings withPointsPerBatch(int batch) {
        return toBuilder().pointsPerBatch(batch).build();
    }

    /** Named setters over the official defaults; {@link #build()} validates. */
    public static final class Builder {

        private int pointsPerSide = 32;
        private int pointsPerBatch = 64;
        private double predIouThresh = 0.86;
        private double[] levelIouOffsets = {0, 0, 0.1};
        private double stabilityThresh = 0.92;
        private double stabilityOffset = 1.0;
        private double boxNmsThresh = 0.7;
        private double[] levelNmsBonus = {0, 0, 1};
        private int cropNLayers = 1;
        private double cropNmsThresh = 0.7;
        private double cropOverlapRatio = 512.0 / 1500.0;
        private int cropPointDownscale = 2;
        private int minMaskRegionArea = 100;
        private double overlapFilterThreshold = 0.3;
        private double maskThreshold = 0.0;

        private Builder() {}

        public Builder pointsPerSide(int value) {
            pointsPerSide = value;
            return this;
        }

        public Builder pointsPerBatch(int value) {
            pointsPerBatch = value;
            return this;
        }

        public Builder predIouThresh(double value) {
            predIouThresh = value;
            return this;
        }

        public Builder levelIouOffsets(double[] value) {
            levelIouOffsets = value.clone();
            return this;
        }

        public Builder stabilityThresh(double value) {
            stabilityThresh = value;
            return this;
        }

        public Builder stabilityOffset(double value) {
            stabilityOffset = value;
            return this;
        }

        public Builder boxNmsThresh(double value) {
            boxNmsThresh = value;
            return this;
        }

        public Builder levelNmsBonus(double[] value) {
            levelNmsBonus = value.clone();
            return this;
        }

        public Builder cropNLayers(int value) {
            cropNLayers = value;
            return this;
        }

        public Builder cropNmsThresh(double value) {
            cropNmsThresh = value;
            return this;
        }

        public Builder cropOverlapRatio(double value) {
            cropOverlapRatio = value;
            return this;
        }

        public Builder cropPointDownscale(int value) {
            cropPointDownscale = value;
            return this;
        }

        public Builder minMaskRegionArea(int value) {
            minMaskRegionArea = value;
            return this;
        }

        public Builder overlapFilterThreshold(double value) {
            overlapFilterThreshold = value;
            return this;
        }

        public Builder maskThreshold(double value) {
            maskThreshold = value;
            return this;
        }

        public AmgSettings build() {
            return new AmgSettings(pointsPerSide, pointsPerBatch, predIouThresh, levelIouOffsets, stabilityThresh,
                    stabilityOffset, boxNmsThresh, levelNmsBonus, cropNLayers, cropNmsThresh, cropOverlapRatio,
                    cropPointDownscale, minMaskRegionArea, overlapFilterThreshold, maskThreshold);
        }
    }
}
