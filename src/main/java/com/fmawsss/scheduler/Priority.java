package com.fmawsss.scheduler;

import java.util.Locale;

/**
 * Priority class of a task submitted to an {@link InferenceScheduler}. The order of the constants
 * is the order in which the scheduler serves the queues.
 */
public enum Priority {

    /**
     * Clicks ({@code /v1/segments}): a person waits with the mouse. Served first by every worker,
     * and by a lane worker of its own that takes nothing else, so a click never waits behind other
     * work, however long it runs.
     */
    IMMEDIATE,

    /** HTTP requests: a client is waiting for the answer. */
    INTERACTIVE,

    /** Asynchronous requests ({@code Prefer: respond-async}): a client polls for the answer. */
    ASYNC,

    /** Training steps and bulk seed jobs: run only when no interactive request waits. */
    BACKGROUND;

    /** Whether work of this priority holds a worker back from requests (async and background work). */
    boolean deferrable() {
        return this == ASYNC || this == BACKGROUND;
    }

    /** The lower-case tag value used in metrics: {@code immediate}, {@code interactive}, {@code async} or {@code background}. */
    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }
}
