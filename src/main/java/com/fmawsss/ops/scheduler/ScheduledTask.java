package com.fmawsss.ops.scheduler;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;

/**
 * One submitted unit of work and its future. {@link #state} is guarded by the owning scheduler's
 * lock; the future is completed outside that lock so client callbacks never run under it.
 *
 * @param <T> the result type
 */
final class ScheduledTask<T> {

    /** Lifecycle: a task leaves {@code QUEUED} exactly once, to {@code RUNNING} or {@code DONE}. */
    enum State {
        QUEUED,
        RUNNING,
        DONE
    }

    final Priority priority;
    final Duration timeout;
    final CompletableFuture<T> future = new CompletableFuture<>();
    private final long deadline;
    private final Callable<T> work;

    /** Guarded by the scheduler's lock. */
    State state = State.QUEUED;

    /** The pending deadline action; cancelled when the future completes. */
    volatile Future<?> expiry;

    ScheduledTask(Priority priority, Duration timeout, long deadline, Callable<T> work) {
        this.priority = priority;
        this.timeout = timeout;
        this.deadline = deadline;
        this.work = work;
    }

    /**
     * Tells whether the deadline has passed.
     *
     * @param now the scheduler's ticker, nanoseconds
     * @return {@code true} at or after the deadline
     */
    boolean expiredAt(long now) {
        // Subtraction, not comparison: nanoTime values may wrap around.
        return now - deadline >= 0;
    }

    /**
     * Runs the work on the calling thread and returns how to complete the future, so the caller
     * can finish its bookkeeping before anyone waiting on the future wakes up.
     *
     * @return the completion to run next
     */
    Runnable runWork() {
        try {
            T value = work.call();
            return () -> future.complete(value);
        } catch (Throwable failure) {
            // Errors too: a worker must survive a failing task and the caller must hear of it.
            return () -> future.completeExceptionally(failure);
        }
    }

    /**
     * Fails the future with an {@link InferenceTimeoutException}; a no-op if already complete.
     *
     * @param started whether the work had started
     */
    void timeOut(boolean started) {
        future.completeExceptionally(new InferenceTimeoutException(priority, timeout, started));
    }
}
