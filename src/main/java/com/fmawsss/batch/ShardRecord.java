package com.fmawsss.batch;

import java.util.List;

/**
 * {@code shards/<index>.json}: one shard's pins, counts, failures and attempts, rewritten
 * atomically while the shard runs so that a watcher sees its progress.
 *
 * @param formatVersion {@link #FORMAT_VERSION}
 * @param index the shard
 * @param shards the shard count of the run
 * @param state {@code running} (or killed while running) or {@code done}
 * @param pins what fixes the outputs
 * @param assigned images of this shard
 * @param complete images whose output exists (written in any attempt)
 * @param failed images of the latest attempt that failed (listed in {@code failures})
 * @param remaining images neither complete nor failed
 * @param failures id and reason of every failed image of the latest attempt
 * @param attempts every run of this shard, oldest first
 */
public record ShardRecord(
        int formatVersion,
        int index,
        int shards,
        String state,
        RunPins pins,
        int assigned,
        int complete,
        int failed,
        int remaining,
        List<Failure> failures,
        List<Attempt> attempts) {

    public static final int FORMAT_VERSION = 1;
    public static final String RUNNING = "running";
    public static final String DONE = "done";

    /**
     * @param id the image id
     * @param reason what went wrong, e.g. {@code unreadable image: ...}
     */
    public record Failure(String id, String reason) {}

    /**
     * One process run of the shard.
     *
     * @param startedAt ISO-8601 instant the process started
     * @param updatedAt last record write
     * @param finishedAt when the shard was done, null while running (or after a kill)
     * @param host the host name (the pod's name on Kubernetes)
     * @param device {@code cpu} or {@code cuda:N}
     * @param setupSeconds bundle loading and dataset opening
     * @param seconds seeding time after setup, up to {@code updatedAt}
     * @param skipped images already complete when the attempt started
     * @param written images seeded by this attempt
     * @param failed images that failed in this attempt
     */
    public record Attempt(
            String startedAt,
            String updatedAt,
            String finishedAt,
            String host,
            String device,
            double setupSeconds,
            double seconds,
            int skipped,
            int written,
            int failed) {

        /** Images seeded per hour of seeding time; 0 before the first image. */
        public double imagesPerHour() {
            return seconds > 0 ? written * 3600.0 / seconds : 0;
        }
    }

    public ShardRecord {
        failures = List.copyOf(failures);
        attempts = List.copyOf(attempts);
    }

    public boolean done() {
        return DONE.equals(state);
    }
}
