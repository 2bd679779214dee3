package com.fmawsss.metrics;

import java.util.Objects;

/**
 * What the metrics show of one job at a moment.
 *
 * @param state lifecycle state, e.g. {@code queued}, {@code running}, {@code succeeded}
 * @param stage current stage within the job, e.g. {@code train}, {@code seed}, {@code eval} ("" if none)
 * @param iteration iterations (or images) done so far
 * @param loss latest training loss, NaN when the job has none
 * @param imagesPerSecond recent throughput
 */
public record JobGaugeValues(String state, String stage, long iteration, double loss, double imagesPerSecond) {

    /** Validates the labels. */
    public JobGaugeValues {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(stage, "stage");
    }

    /**
     * The progress of a job that has not started.
     *
     * @return state {@code queued}, nothing done
     */
    public static JobGaugeValues queued() {
        return new JobGaugeValues("queued", "", 0, Double.NaN, 0);
    }
}
