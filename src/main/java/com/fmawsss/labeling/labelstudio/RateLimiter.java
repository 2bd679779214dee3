package com.fmawsss.labeling.labelstudio;

/**
 * Spaces out requests: {@link #acquire()} returns at most {@code perSecond} times a second,
 * sleeping as needed. Thread-safe.
 */
public final class RateLimiter {

    /** No limit. */
    public static final RateLimiter NONE = new RateLimiter(Double.POSITIVE_INFINITY);

    private final long intervalNanos;
    private long next = Long.MIN_VALUE;

    /**
     * @param perSecond most permits a second; infinity for none
     */
    public RateLimiter(double perSecond) {
        if (!(perSecond > 0)) {
            throw new IllegalArgumentException("the rate must be positive");
        }
        this.intervalNanos = Double.isInfinite(perSecond) ? 0 : (long) (1e9 / perSecond);
    }

    /**
     * Waits for a permit.
     *
     * @throws InterruptedException when interrupted while waiting
     */
    public void acquire() throws InterruptedException {
        if (intervalNanos == 0) {
            return;
        }
        long wait;
        synchronized (this) {
            long now = System.nanoTime();
            long slot = next == Long.MIN_VALUE || next - now < 0 ? now : next;
            next = slot + intervalNanos;
            wait = slot - now;
        }
        if (wait > 0) {
            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
    }
}
