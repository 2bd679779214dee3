package com.fmawsss.scheduler;

import java.time.Duration;

/** Estimates how long a rejected client should wait before retrying. */
final class RetryAfter {

    /** Floor of the estimate: {@code Retry-After} is in whole seconds; 0 invites a retry storm. */
    static final Duration MINIMUM = Duration.ofSeconds(1);

    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private RetryAfter() {}

    /**
     * Estimates the time to drain a queue: {@code meanServiceTime × queued / workers}, rounded up
     * to whole seconds, at least {@link #MINIMUM}.
     *
     * @param meanServiceTime recent mean service time; zero when unknown
     * @param queued tasks waiting in the queue
     * @param workers worker threads serving the queue
     * @return the suggested wait, whole seconds
     */
    static Duration estimate(Duration meanServiceTime, int queued, int workers) {
        long work = saturatedMultiply(meanServiceTime.toNanos(), Math.max(0, queued));
        long seconds = Math.ceilDiv(work, Math.max(1, workers) * NANOS_PER_SECOND);
        return Duration.ofSeconds(Math.max(MINIMUM.toSeconds(), seconds));
    }

    private static long saturatedMultiply(long a, long b) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException overflow) {
            return Long.MAX_VALUE;
        }
    }
}
