package com.fmawsss.labeling.labelstudio;

import com.fmawsss.jobs.JobContext;
import com.fmawsss.security.OutboundRequestException;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * How the pre-annotation job waits out a busy or unreachable Label Studio: a call that fails
 * transiently (timeout, connection failure, 429, 5xx) is repeated after a wait that doubles from
 * {@code initial} up to {@code max}, or after the {@code Retry-After} Label Studio asked for when
 * that is longer, until the call has failed for {@code patience}. A busy Label Studio therefore
 * slows the job down; only one that stays unusable for the whole patience fails it. Waits are cut
 * into slices of at most a second so that a cancelled job stops promptly.
 *
 * @param initial first wait
 * @param max longest wait the doubling reaches
 * @param patience how long one call may keep failing
 */
public record Backoff(Duration initial, Duration max, Duration patience) {

    private static final long SLICE_MILLIS = 1000;

    /**
     * Calls, repeating transient failures.
     *
     * @param context the job (cancellation)
     * @param call the call
     * @return its result
     * @throws OutboundRequestException a permanent failure, or the last transient one once patience is spent
     * @throws InterruptedException when interrupted while waiting
     */
    public <T> T call(JobContext context, Supplier<T> call) throws InterruptedException {
        long start = System.nanoTime();
        Duration delay = initial;
        while (true) {
            try {
                return call.get();
            } catch (OutboundRequestException e) {
                Duration asked = e.retryAfter().orElse(Duration.ZERO);
                Duration wait = asked.compareTo(delay) > 0 ? asked : delay;
                if (!e.isTransient() || Duration.ofNanos(System.nanoTime() - start).plus(wait).compareTo(patience) > 0) {
                    throw e;
                }
                pause(context, wait);
            }
            delay = delay.multipliedBy(2).compareTo(max) > 0 ? max : delay.multipliedBy(2);
        }
    }

    private static void pause(JobContext context, Duration wait) throws InterruptedException {
        long left = wait.toMillis();
        while (left > 0) {
            context.checkCancelled();
            long slice = Math.min(left, SLICE_MILLIS);
            Thread.sleep(slice);
            left -= slice;
        }
        context.checkCancelled();
    }
}
