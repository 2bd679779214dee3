package com.fmawsss.ops.scheduler;

import java.time.Duration;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/** Runs a {@link BatchingQueue}'s delayed flushes; replaceable so tests fire them by hand. */
interface FlushTimer extends AutoCloseable {

    /**
     * Runs an action once after a delay.
     *
     * @param action the flush
     * @param delay how long to wait
     */
    void schedule(Runnable action, Duration delay);

    /** Drops pending actions and releases the timer's thread, if any. */
    @Override
    void close();

    /**
     * Returns a timer backed by one daemon thread.
     *
     * @param name the thread's name
     * @return the timer
     */
    static FlushTimer daemonThread(String name) {
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        });
        return new FlushTimer() {
            @Override
            public void schedule(Runnable action, Duration delay) {
                executor.schedule(action, delay.toNanos(), TimeUnit.NANOSECONDS);
            }

            @Override
            public void close() {
                executor.shutdownNow();
            }
        };
    }
}
