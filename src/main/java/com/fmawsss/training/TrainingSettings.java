package com.fmawsss.training;

import com.fmawsss.prompts.PromptLayout;

/**
 * Hyper-parameters of a prompt-training job (spec §5 request, §8 defaults).
 *
 * @param classificationIterations stage 1 length (1800)
 * @param segmentationIterations stage 3 length (17000)
 * @param batchSize images per iteration (16, drop last)
 * @param seed random seed of initialisation, sampling and augmentation
 * @param layout segmentation prompt layout
 * @param contextTokens N (16)
 * @param checkpointEvery iterations between checkpoints (≤ 200)
 * @param crop training crop side (224)
 * @param jointLoss the paper's {@code L = L_MCL + L_CAL} in the segmentation stage instead of the
 *     official CAL alone
 */
public record TrainingSettings(
        int classificationIterations,
        int segmentationIterations,
        int batchSize,
        long seed,
        PromptLayout layout,
        int contextTokens,
        int checkpointEvery,
        int crop,
        boolean jointLoss) {

    /** Validates ranges. */
    public TrainingSettings {
        if (classificationIterations < 1 || segmentationIterations < 1 || batchSize < 1 || contextTokens < 1
                || checkpointEvery < 1 || checkpointEvery > 200 || crop < 16 || crop % 16 != 0) {
            throw new IllegalArgumentException("invalid training settings");
        }
    }

    public static TrainingSettings defaults() {
        return new TrainingSettings(1800, 17000, 16, 0, PromptLayout.VOC, 16, 200, 224, false);
    }
}
