package com.fmawsss.scheduler;

import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.Locale;

/**
 * A task's deadline passed: either it was still queued (dropped; its work never ran) or it was
 * running past its finish deadline (its result is discarded). Says which, and for how long.
 */
public class InferenceTimeoutException extends TimeoutException {

    private static final long serialVersionUID = 1L;

    private final Priority priority;
    private final Duration timeout;
    private final boolean started;
    private final Duration waited;
    private final Duration ran;

    public InferenceTimeoutException(Priority priority, Duration timeout, boolean started) {
        this(priority, timeout, started, Duration.ZERO, Duration.ZERO);
    }

    /**
     * @param waited time spent queued
     * @param ran time spent running (zero when it never started)
     */
    public InferenceTimeoutException(Priority priority, Duration timeout, boolean started, Duration waited, Duration ran) {
        super((started
                        ? "Inference task ran past its deadline; result discarded"
                        : "Inference task waited past its deadline in the queue; dropped")
                + " (" + priority.tag() + ", timeout " + timeout + ", queued " + seconds(waited)
                + (started ? ", running " + seconds(ran) : "") + ")");
        this.priority = priority;
        this.timeout = timeout;
        this.started = started;
        this.waited = waited;
        this.ran = ran;
    }

    private static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
    }

    public Priority priority() {
        return priority;
    }

    public Duration timeout() {
        return timeout;
    }

    /** Whether the work had started (it then ran past its finish deadline). */
    public boolean started() {
        return started;
    }

    /** Time spent waiting in the queue. */
    public Duration waited() {
        return waited;
    }

    /** Time spent running, zero when it never started. */
    public Duration ran() {
        return ran;
    }
}
