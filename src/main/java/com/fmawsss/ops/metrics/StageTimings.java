package com.fmawsss.ops.metrics;

import java.util.function.Supplier;

/**
 * Where the pipeline reports how long its stages took. The engines take one of these so that they
 * stay free of Micrometer; {@link #NONE} keeps them usable without metrics (tests, tools).
 */
@FunctionalInterface
public interface StageTimings {

    /** Discards every observation. */
    StageTimings NONE = (stage, nanos) -> {};

    /**
     * Records one run of a stage.
     *
     * @param stage the stage
     * @param nanos its wall-clock duration in nanoseconds
     */
    void record(Stage stage, long nanos);

    /**
     * Runs work and records its duration, also when it throws.
     *
     * @param stage the stage
     * @param work the work
     * @param <T> result type
     * @return the work's result
     */
    default <T> T time(Stage stage, Supplier<T> work) {
        long start = System.nanoTime();
        try {
            return work.get();
        } finally {
            record(stage, System.nanoTime() - start);
        }
    }
}
