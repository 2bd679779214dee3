package com.fmawsss.batch;

import java.time.Duration;
import java.util.function.LongSupplier;

/** Says when the next progress line is due: at most once per interval. */
final class Ticker {

    private final long intervalNanos;
    private final LongSupplier clock;
    private long last;

    Ticker(Duration interval, LongSupplier clock) {
        this.intervalNanos = interval.toNanos();
        this.clock = clock;
        this.last = clock.getAsLong();
    }

    /** Whether a line is due; a true answer restarts the interval. */
    boolean due() {
        long now = clock.getAsLong();
        if (now - last < intervalNanos) {
            return false;
        }
        last = now;
        return true;
    }
}
