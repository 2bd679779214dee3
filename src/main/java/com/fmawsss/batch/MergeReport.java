package com.fmawsss.batch;

import java.util.List;

/**
 * {@code report.json} of {@code seed-merge}.
 *
 * @param complete true when every dataset entry has exactly one output or one recorded failure,
 *     every shard is done and all shards agree (then {@code problems} is empty)
 * @param problems what keeps the run from being complete, one sentence each
 * @param pins the run's pins (of the lowest shard record)
 * @param shards the shard count
 * @param counts entries, outputs and failures
 * @param failures every failed image with its shard and reason
 * @param missing ids without output and without failure (at most {@link #LISTED})
 * @param unexpectedOutputs label maps in the folder whose id is not in the dataset (at most {@link #LISTED})
 * @param shardStats per shard: attempts, images, seeding time and throughput
 * @param wallSeconds from the first shard start to the last shard update
 * @param imagesPerHour images seeded per hour of wall time, all shards together
 * @param evaluation mIoU against the ground truth, null when no entry has ground truth
 * @param mergedAt ISO-8601 instant of the merge
 */
public record MergeReport(
        boolean complete,
        List<String> problems,
        RunPins pins,
        int shards,
        Counts counts,
        List<ListedFailure> failures,
        List<String> missing,
        List<String> unexpectedOutputs,
        List<ShardStats> shardStats,
        double wallSeconds,
        double imagesPerHour,
        Evaluation evaluation,
        String mergedAt) {

    /** Longest id lists in the report (the counts are always complete). */
    public static final int LISTED = 1000;

    /**
     * @param entries dataset entries
     * @param outputs entries with a complete output
     * @param failures entries with a recorded failure
     * @param missing entries with neither
     * @param outputAndFailure entries with both (inconsistent)
     * @param unexpectedOutputs label maps that match no entry
     * @param tempFilesRemoved leftovers of killed attempts removed from {@code .partial/}
     */
    public record Counts(int entries, int outputs, int failures, int missing, int outputAndFailure, int unexpectedOutputs,
            int tempFilesRemoved) {}

    public record ListedFailure(String id, int shard, String reason) {}

    /**
     * @param index the shard
     * @param state {@code done} or {@code running}
     * @param assigned images of the shard
     * @param complete images with output
     * @param failed images that failed
     * @param attempts process runs
     * @param written images seeded over all attempts
     * @param seconds seeding time over all attempts (setup excluded)
     * @param setupSeconds model loading over all attempts
     * @param imagesPerHour {@code written} per hour of {@code seconds}
     * @param startedAt first attempt's start
     * @param finishedAt last attempt's end, null unless done
     */
    public record ShardStats(int index, String state, int assigned, int complete, int failed, int attempts, int written,
            double seconds, double setupSeconds, double imagesPerHour, String startedAt, String finishedAt) {}

    /**
     * @param images entries whose seeds were compared with ground truth
     * @param unevaluated entries with output but without usable ground truth
     * @param meanIou mIoU over the classes that occur (null when none does)
     * @param pixelAccuracy fraction of correctly labelled pixels (ignore label excluded)
     * @param perClass background first, then the vocabulary
     */
    public record Evaluation(int images, int unevaluated, Double meanIou, Double pixelAccuracy, List<ClassScore> perClass) {}

    /** IoU is null for a class that neither ground truth nor seeds contain. */
    public record ClassScore(int label, String name, Double iou, long groundTruthPixels, long predictedPixels) {}
}
