package com.fmawsss.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import com.fmawsss.pipeline.StageMetrics;
import com.fmawsss.progress.Stage;

/**
 * The stage reports of every pipeline run as one Micrometer timer per stage: {@code fma_stage_seconds{stage}}
 * as a Prometheus histogram, so percentiles come from {@code histogram_quantile} and aggregate
 * across replicas (client-side percentiles would not, and the Prometheus registry does not render
 * them next to a histogram anyway).
 */
public final class StageTimers implements StageMetrics {

    /** Micrometer name of the stage timers (Prometheus: {@code fma_stage_seconds}). */
    public static final String NAME = "fma.stage";

    private final Map<Stage, Timer> timers = new EnumMap<>(Stage.class);

    /**
     * Registers a timer for every stage.
     *
     * @param registry where to register
     */
    public StageTimers(MeterRegistry registry) {
        for (Stage stage : Stage.values()) {
            timers.put(stage, Timer.builder(NAME)
                    .description("Duration of one run of a pipeline stage")
                    .tag("stage", stage.tag())
                    .publishPercentileHistogram()
                    // Stages range from sub-millisecond (SAMS on the demo bundle) to a minute (SAM ViT-H on CPU).
                    .minimumExpectedValue(Duration.ofMillis(1))
                    .maximumExpectedValue(Duration.ofMinutes(2))
                    .register(registry));
        }
    }

    @Override
    public void stageDone(Stage stage, long nanos) {
        timers.get(stage).record(Math.max(0, nanos), TimeUnit.NANOSECONDS);
    }

    /** Returns how many runs of a stage were recorded. */
    public long count(Stage stage) {
        return timers.get(stage).count();
    }
}
