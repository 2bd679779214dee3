package com.fmawsss.scheduler;

import java.util.Locale;

/**
 * Priority class of a task submitted to an {@link InferenceScheduler}. The order of the constants
 * is the order in which the scheduler serves the queues.
 */
public enum Priority {

    /** HTTP requests: a client is waiting for the answer. */
    INTERACTIVE,

    /** Asynchronous requests ({@code Prefer: respond-async}): a client polls for the answer. */
    ASYNC,

    /** Training steps and bulk seed jobs: run only when no interactive request waits. */
    BACKGROUND;

    /** The lower-case tag value used in metrics: {@code interactive}, {@code async} or {@code background}. */
    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }
}
