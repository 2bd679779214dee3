package com.fmawsss.scheduler;

import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;

/**
 * Thrown by {@link InferenceScheduler#submit} when the queue of the task's priority is full. The
 * HTTP layer answers {@code 429 Too Many Requests} with {@code Retry-After: }{@link
 * #retryAfter()}{@code .toSeconds()}.
 */
public class QueueFullException extends RejectedExecutionException {

    private static final long serialVersionUID = 1L;

    private final Priority priority;
    private final int capacity;
    private final Duration retryAfter;

    /**
     * @param device the scheduler's device name
     * @param priority the priority whose queue is full
     * @param capacity that queue's capacity
     * @param retryAfter suggested wait before retrying, whole seconds, at least one second
     */
    public QueueFullException(String device, Priority priority, int capacity, Duration retryAfter) {
        super("Inference queue " + priority.tag() + " on " + device + " is full (" + capacity
                + " waiting); retry after " + retryAfter.toSeconds() + " s");
        this.priority = priority;
        this.capacity = capacity;
        this.retryAfter = retryAfter;
    }

    /** Returns the priority whose queue is full. */
    public Priority priority() {
        return priority;
    }

    /**
     * @return the number of tasks that may wait
     */
    public int capacity() {
        return capacity;
    }

    /**
     * Returns the suggested wait before retrying.
     *
     * @return whole seconds, at least one second
     */
    public Duration retryAfter() {
        return retryAfter;
    }
}
