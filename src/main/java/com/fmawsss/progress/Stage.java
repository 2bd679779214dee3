package com.fmawsss.progress;

/** The timed stages of the pipeline (spec §6), each the {@code stage} label of {@code fma_stage_seconds}. */
public enum Stage {

    /** CLIP vision trunk and text encoder (prompt features). */
    CLIP_ENCODE("clip_encode"),
    /** Softmax-GradCAM: the last CLIP block with gradients, one CAM per present class. */
    GRADCAM("gradcam"),
    /** Class-aware attention affinity: box masks and the affinity refinement of the CAMs. */
    CAA("caa"),
    /** SAM preprocessing (resize, normalise, pad) and image encoder, one observation per encoded crop. */
    SAM_ENCODE("sam_encode"),
    /** SAM point-prompt decoding of one crop: all point batches, upscaling and mask filtering. */
    SAM_DECODE("sam_decode"),
    /** SAMS: labelling the quasi-superpixels from the refined CAMs. */
    SAMS("sams");

    private final String tag;

    Stage(String tag) {
        this.tag = tag;
    }

    /**
     * Returns the label value.
     *
     * @return e.g. {@code clip_encode}
     */
    public String tag() {
        return tag;
    }
}
