package com.fmawsss.cam;

/** Which map CAA propagates through the attention affinity (spec §8). */
public enum PropagatedCam {
    /** ReLU'd, min-max normalised CAM (classification stream). */
    SCORE,
    /** The raw CAM, before ReLU (segmentation stream). */
    RAW
}
