package com.fmawsss.ops.scheduler;

import java.time.Duration;
import java.util.concurrent.TimeoutException;

/**
 * Completes the future of a task whose deadline passed. Either the task was still queued (it is
 * dropped and its work never runs) or it was running (the work is not interrupted, since it may be
 * inside a native call, but its result is discarded).
 */
public class InferenceTimeoutException extends TimeoutException {

    private static final long serialVersionUID = 1L;

    private final Priority priority;
    private final Duration timeout;
    private final boolean started;

    /**
     * Creates the exception.
     *
     * @param priority the task's priority
     * @param timeout the timeout the task was submitted with
     * @param started whether the work had started when the deadline passed
     */
    public InferenceTimeoutException(Priority priority, Duration timeout, boolean started) {
        super((started
                        ? "Inference task ran past its deadline; result discarded"
                        : "Inference task waited past its deadline in the queue; dropped")
                + " (" + priority.tag() + ", timeout " + timeout + ")");
        this.priority = priority;
        this.timeout = timeout;
        this.started = started;
    }

    /**
     * Returns the task's priority.
     *
     * @return the priority
     */
    public Priority priority() {
        return priority;
    }

    /**
     * Returns the timeout the task was submitted with.
     *
     * @return the timeout
     */
    public Duration timeout() {
        return timeout;
    }

    /**
     * Tells whether the work had started when the deadline passed.
     *
     * @return {@code true} if the work ran (and may still be running) but its result was
     *     discarded; {@code false} if the task was dropped from the queue unrun
     */
    public boolean started() {
        return started;
    }
}
