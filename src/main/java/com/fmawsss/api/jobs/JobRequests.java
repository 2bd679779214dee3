package com.fmawsss.api.jobs;

/** Request bodies of the admin job endpoints (spec §5 "Training job request"). */
public final class JobRequests {

    private JobRequests() {}

    /**
     * A dataset under a configured data root.
     *
     * @param format {@code voc}, {@code coco} or {@code manifest}
     * @param root directory (or manifest file) relative to / under a data root
     * @param split split name (VOC/COCO) — e.g. {@code train_aug}
     * @param vocabulary {@code voc} or {@code coco}; default: the format's (VOC for voc and manifest)
     */
    public record DatasetRequest(String format, String root, String split, String vocabulary) {

        /**
         * A dataset with the format's vocabulary.
         *
         * @param format {@code voc}, {@code coco} or {@code manifest}
         * @param root directory (or manifest file)
         * @param split split name
         */
        public DatasetRequest(String format, String root, String split) {
            this(format, root, split, null);
        }
    }

    /**
     * Iterations per stage.
     *
     * @param classification stage 1 (1800)
     * @param segmentation stage 3 (17000)
     */
    public record Iterations(Integer classification, Integer segmentation) {}

    /**
     * @param dataset the dataset (required)
     * @param iterations stage lengths
     * @param batchSize batch size (16)
     * @param seed random seed (0)
     * @param promptLayout {@code voc} or {@code coco}
     * @param lossMode {@code official} (MCL, then CAL) or {@code joint} (MCL + CAL in the segmentation stage)
     * @param name free-form name
     */
    public record TrainingJobRequest(DatasetRequest dataset, Iterations iterations, Integer batchSize, Long seed,
            String promptLayout, String lossMode, String name) {}

    /**
     * @param dataset the dataset (required)
     * @param promptVersion prompt version (default: the active one)
     * @param output output directory under a data root (required)
     */
    public record SeedJobRequest(DatasetRequest dataset, String promptVersion, String output) {}
}
