package com.fmawsss.pipeline;

import com.fmawsss.progress.WorkCancelledException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;

/**
 * Work on its way through the device: its future result, its live progress (stage, percent, ETA,
 * the switch that stops it) and the estimate it was scheduled with. Whoever completes the result
 * early (a deadline, a cancel, a client gone) also stops the work at its next check.
 */
public record PipelineSubmission<R>(CompletableFuture<R> result, RunProgress progress, Estimate estimate) {

    /** Stops the work at its next check (between stages and SAM point batches) and cancels the result. */
    public void cancel(String reason) {
        progress.cancel(reason);
        result.cancel(false);
    }

    /**
     * The same work with its result converted; cancelling the converted submission stops the work
     * (a derived future alone would not cancel its source).
     */
    public <T> PipelineSubmission<T> map(Function<? super R, ? extends T> conversion) {
        CompletableFuture<T> converted = result.thenApply(conversion);
        converted.whenComplete((value, failure) -> {
            if (converted.isCancelled()) {
                cancel(progress.cancelReason() == null ? "cancelled" : progress.cancelReason());
            }
        });
        return new PipelineSubmission<>(converted, progress, estimate);
    }

    /**
     * Waits for the result. The work's own exception is thrown as it was thrown, not wrapped
     * (a {@link WorkCancelledException} when it was stopped). A waiter that is interrupted stops
     * the work too: nobody else waits for it.
     */
    public R await() throws InterruptedException {
        try {
            return result.get();
        } catch (ExecutionException e) {
            throw rethrowable(e.getCause());
        } catch (InterruptedException e) {
            cancel("the waiting thread was interrupted");
            throw e;
        }
    }

    /** The exception behind a future's failure: {@link CompletionException} and {@link ExecutionException} unwrapped. */
    public static Throwable causeOf(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    /** Whether a failure means the work was cancelled or stopped, not that it failed. */
    public static boolean isCancellation(Throwable failure) {
        Throwable cause = causeOf(failure);
        return cause instanceof CancellationException || cause instanceof WorkCancelledException;
    }

    private static RuntimeException rethrowable(Throwable cause) {
        Throwable unwrapped = causeOf(cause);
        if (unwrapped instanceof RuntimeException runtime) {
            return runtime;
        }
        if (unwrapped instanceof Error error) {
            throw error;
        }
        return new CompletionException(unwrapped);
    }
}
