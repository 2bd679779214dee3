package com.fmawsss.cam;

import com.fmawsss.prompts.PromptKind;
import com.fmawsss.prompts.PromptLayout;
import com.fmawsss.prompts.PromptSet;

/**
 * Constants of class-aware attention affinity (spec §8), per stream.
 *
 * @param stream {@code classification} or {@code segmentation} (reported in responses)
 * @param enabled whether CAA runs at all (the official COCO fine seeds skip it)
 * @param attentionLayers how many of the last blocks' head-mean attention maps are averaged (8)
 * @param sinkhornPasses column-then-row normalisation passes (1; CLIP-ES uses 3)
 * @param power exponent t of the symmetrised affinity (2)
 * @param boxThreshold fraction of the maximum score that box contours enclose
 * @param input which map is propagated
 */
public record CamSettings(
        String stream,
        boolean enabled,
        int attentionLayers,
        int sinkhornPasses,
        int power,
        double boxThreshold,
        PropagatedCam input) {

    /** Mean of the last 8 blocks' attention. */
    public static final int ATTENTION_LAYERS = 8;

    /** One Sinkhorn pass. */
    public static final int SINKHORN_PASSES = 1;

    /** Affinity power t = 2. */
    public static final int POWER = 2;

    /** Validates ranges. */
    public CamSettings {
        if (attentionLayers < 1 || sinkhornPasses < 0 || power < 1) {
            throw new IllegalArgumentException("invalid CAA settings");
        }
        if (!(boxThreshold >= 0 && boxThreshold <= 1)) {
            throw new IllegalArgumentException("box threshold must be in [0, 1]");
        }
    }

    /**
     * Classification-stream settings (manual and learned classification prompts, coarse seeds):
     * box threshold 0.4 (0.6 for COCO), CAA on the normalised score.
     *
     * @param layout VOC or COCO
     */
    public static CamSettings classification(PromptLayout layout) {
        return new CamSettings("classification", true, ATTENTION_LAYERS, SINKHORN_PASSES, POWER,
                layout == PromptLayout.COCO ? 0.6 : 0.4, PropagatedCam.SCORE);
    }

    /**
     * Segmentation-stream settings (learned segmentation prompts, fine seeds): box threshold 0.5,
     * CAA on the raw CAM; skipped in the COCO layout.
     *
     * @param layout VOC or COCO
     */
    public static CamSettings segmentation(PromptLayout layout) {
        return new CamSettings("segmentation", layout != PromptLayout.COCO, ATTENTION_LAYERS, SINKHORN_PASSES, POWER,
                0.5, PropagatedCam.RAW);
    }

    /**
     * The default settings for a prompt set: segmentation stream for learned segmentation
     * prompts, classification stream otherwise.
     *
     * @param set the prompt set
     */
    public static CamSettings forPromptSet(PromptSet set) {
        return set.kind() == PromptKind.SEGMENTATION ? segmentation(set.layout()) : classification(set.layout());
    }
}
