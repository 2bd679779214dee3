package com.fmawsss.scheduler;

import java.time.Duration;
import java.util.Objects;

/**
 * How one task is scheduled.
 *
 * @param priority the queue it waits in
 * @param startDeadline counted from submission: a task that has not started by then is dropped
 *     and its future fails with {@link InferenceTimeoutException}; its work never runs
 * @param finishDeadline counted from submission: a task still running then has its future failed
 *     with {@link InferenceTimeoutException} (the work is not interrupted; its owner stops it
 *     through its own progress); {@code null} for none, so running work is never cut off
 * @param estimate expected service time, used to tell later submissions how long they would wait;
 *     {@link Duration#ZERO} when unknown (the recent mean service time stands in)
 */
public record TaskSpec(Priority priority, Duration startDeadline, Duration finishDeadline, Duration estimate) {

    public TaskSpec {
        Objects.requireNonNull(priority, "priority");
        Objects.requireNonNull(startDeadline, "startDeadline");
        Objects.requireNonNull(estimate, "estimate");
        if (!startDeadline.isPositive() || (finishDeadline != null && !finishDeadline.isPositive())) {
            throw new IllegalArgumentException("timeout must be positive: " + startDeadline + ", " + finishDeadline);
        }
        if (finishDeadline != null && finishDeadline.compareTo(startDeadline) < 0) {
            throw new IllegalArgumentException("the finish deadline precedes the start deadline");
        }
        if (estimate.isNegative()) {
            throw new IllegalArgumentException("estimate must not be negative: " + estimate);
        }
    }

    /** One deadline for the wait and the work together (the work's result is discarded after it). */
    public static TaskSpec withTimeout(Priority priority, Duration timeout) {
        return new TaskSpec(priority, timeout, timeout, Duration.ZERO);
    }

    /** Must start within {@code startDeadline}; once running, never cut off. */
    public static TaskSpec startWithin(Priority priority, Duration startDeadline, Duration estimate) {
        return new TaskSpec(priority, startDeadline, null, estimate);
    }
}
