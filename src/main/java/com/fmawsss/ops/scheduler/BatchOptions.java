package com.fmawsss.ops.scheduler;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a {@link BatchingQueue}.
 *
 * @param priority the scheduler queue the batches wait in
 * @param maxBatch most items per call of the batch function; a batch is dispatched at once when it
 *     reaches this size
 * @param maxDelay longest time the first item of a batch waits for more items before the batch is
 *     dispatched anyway
 * @param timeout scheduler deadline of each batch, counted from its dispatch
 */
public record BatchOptions(Priority priority, int maxBatch, Duration maxDelay, Duration timeout) {

    /** Validates the values. */
    public BatchOptions {
        Objects.requireNonNull(priority, "priority");
        Objects.requireNonNull(maxDelay, "maxDelay");
        Objects.requireNonNull(timeout, "timeout");
        if (maxBatch < 1) {
            throw new IllegalArgumentException("maxBatch must be >= 1: " + maxBatch);
        }
        if (maxDelay.isNegative()) {
            throw new IllegalArgumentException("maxDelay must not be negative: " + maxDelay);
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive: " + timeout);
        }
    }
}
