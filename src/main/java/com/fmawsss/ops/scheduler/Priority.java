package com.fmawsss.ops.scheduler;

import java.util.Locale;

/**
 * Priority class of a task submitted to an {@link InferenceScheduler}. The order of the constants
 * is the order in which the scheduler serves the queues.
 */
public enum Priority {

    /** HTTP requests: a client is waiting for the answer. */
    INTERACTIVE,

    /** Training steps and bulk seed jobs: run only when no interactive request waits. */
    BACKGROUND;

    /**
     * Returns the lower-case tag value used in metrics.
     *
     * @return {@code interactive} or {@code background}
     */
    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }
}
