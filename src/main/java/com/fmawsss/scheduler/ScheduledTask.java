package com.fmawsss.scheduler;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;

/**
 * One submitted unit of work and its future. {@link #state} and {@link #startedAt} are guarded by
 * the owning scheduler's lock; the future is completed outside that lock so client callbacks never
 * run under it. Times are the scheduler's ticker (nanoseconds; compared by subtraction because
 * they may wrap around).
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

    final TaskSpec spec;
    final Priority priority;
    final CompletableFuture<T> future = new CompletableFuture<>();
    final long submittedAt;
    private final long startDeadline;
    private final Long finishDeadline;
    private final Callable<T> work;

    /** Guarded by the scheduler's lock. */
    State state = State.QUEUED;

    /** Guarded by the scheduler's lock; valid once RUNNING. */
    long startedAt;

    /** The pending deadline action; cancelled when the future completes. */
    volatile Future<?> expiry;

    ScheduledTask(TaskSpec spec, long submittedAt, long startDeadlineNanos, Long finishDeadlineNanos, Callable<T> work) {
        this.spec = spec;
        this.priority = spec.priority();
        this.submittedAt = submittedAt;
        this.startDeadline = submittedAt + startDeadlineNanos;
        this.finishDeadline = finishDeadlineNanos == null ? null : submittedAt + finishDeadlineNanos;
        this.work = work;
    }

    /** Whether a task that has not started by {@code now} must be dropped. */
    boolean startExpiredAt(long now) {
        return now - startDeadline >= 0;
    }

    /** Whether a running task's result is discarded at {@code now}. */
    boolean finishExpiredAt(long now) {
        return finishDeadline != null && now - finishDeadline >= 0;
    }

    /** Nanoseconds from {@code now} to the finish deadline, or {@code null} without one. */
    Long nanosToFinishDeadline(long now) {
        return finishDeadline == null ? null : Math.max(0, finishDeadline - now);
    }

    /**
     * Runs the work on the calling thread and returns how to complete the future, so the caller
     * can finish its bookkeeping before anyone waiting on the future wakes up.
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

    /** Fails the future with an {@link InferenceTimeoutException}; a no-op if already complete. */
    void timeOut(boolean started, long now, long startedAtNanos) {
        Duration waited = Duration.ofNanos(Math.max(0, (started ? startedAtNanos : now) - submittedAt));
        Duration ran = started ? Duration.ofNanos(Math.max(0, now - startedAtNanos)) : Duration.ZERO;
        Duration timeout = started && spec.finishDeadline() != null ? spec.finishDeadline() : spec.startDeadline();
        future.completeExceptionally(new InferenceTimeoutException(priority, timeout, started, waited, ran));
    }
}
