package com.fmawsss.scheduler;

import java.time.Duration;

/**
 * Mean of the most recent service times (a ring of the last {@code size} samples). A recent mean
 * follows load changes (a new prompt set, a bigger image size) that a lifetime mean would hide.
 * Thread-safe.
 */
final class ServiceTimeWindow {

    private final long[] samples;
    private int next;
    private int count;
    private long sum;

    ServiceTimeWindow(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("size must be >= 1: " + size);
        }
        this.samples = new long[size];
    }

    /**
     * Adds a sample, evicting the oldest when the window is full.
     *
     * @param nanos service time in nanoseconds; negative values count as zero
     */
    synchronized void record(long nanos) {
        long value = Math.max(0, nanos);
        if (count == samples.length) {
            sum -= samples[next];
        } else {
            count++;
        }
        samples[next] = value;
        sum += value;
        next = (next + 1) % samples.length;
    }

    /**
     * Returns the mean of the samples in the window.
     *
     * @return the mean, {@link Duration#ZERO} before the first sample
     */
    synchronized Duration mean() {
        return count == 0 ? Duration.ZERO : Duration.ofNanos(sum / count);
    }
}
