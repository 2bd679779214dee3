package com.fmawsss.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class JobMetricsTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final JobMetrics jobs = new JobMetrics(registry);

    private double gauge(String name, String job) {
        return registry.get(name).tag("job", job).gauge().value();
    }

    @Test
    void registeredJobStartsQueuedWithNothingDone() {
        jobs.register("j1", "train");

        Gauge state = registry.get(JobMetrics.STATE).tag("job", "j1").gauge();
        assertThat(state.getId().getTag("state")).isEqualTo("queued");
        assertThat(state.getId().getTag("stage")).isEmpty();
        assertThat(state.getId().getTag("type")).isEqualTo("train");
        assertThat(state.value()).isEqualTo(1.0);
        assertThat(gauge(JobMetrics.ITERATION, "j1")).isZero();
        assertThat(gauge(JobMetrics.LOSS, "j1")).isNaN();
        assertThat(gauge(JobMetrics.THROUGHPUT, "j1")).isZero();
        assertThat(jobs.progress("j1")).contains(JobGaugeValues.queued());
    }

    @Test
    void updatesMoveTheNumericGaugesAndReplaceTheStateSeries() {
        jobs.register("j1", "train");

        jobs.update("j1", new JobGaugeValues("running", "train", 120, 0.75, 12.5));

        assertThat(gauge(JobMetrics.ITERATION, "j1")).isEqualTo(120.0);
        assertThat(gauge(JobMetrics.LOSS, "j1")).isEqualTo(0.75);
        assertThat(gauge(JobMetrics.THROUGHPUT, "j1")).isEqualTo(12.5);
        // Exactly one state series per job: the queued one is gone.
        assertThat(registry.find(JobMetrics.STATE).tag("job", "j1").gauges())
                .singleElement()
                .satisfies(g -> {
                    assertThat(g.getId().getTag("state")).isEqualTo("running");
                    assertThat(g.getId().getTag("stage")).isEqualTo("train");
                });

        jobs.update("j1", new JobGaugeValues("running", "train", 121, 0.7, 12.0));
        assertThat(registry.find(JobMetrics.STATE).tag("job", "j1").gauges()).hasSize(1);
        assertThat(gauge(JobMetrics.ITERATION, "j1")).isEqualTo(121.0);
    }

    @Test
    void jobsAreIndependentAndRemovable() {
        jobs.register("a", "train");
        jobs.register("b", "seed");
        jobs.register("a", "seed"); // ignored: already registered
        jobs.update("b", new JobGaugeValues("running", "seed", 7, Double.NaN, 3.0));

        assertThat(jobs.jobs()).containsExactly("a", "b");
        assertThat(registry.get(JobMetrics.STATE).tag("job", "a").gauge().getId().getTag("type")).isEqualTo("train");
        assertThat(gauge(JobMetrics.ITERATION, "a")).isZero();
        assertThat(gauge(JobMetrics.ITERATION, "b")).isEqualTo(7.0);

        assertThat(jobs.remove("a")).isTrue();
        assertThat(jobs.remove("a")).isFalse();

        assertThat(jobs.jobs()).containsExactly("b");
        assertThat(registry.find(JobMetrics.ITERATION).tag("job", "a").gauges()).isEmpty();
        assertThat(registry.find(JobMetrics.STATE).tag("job", "a").gauges()).isEmpty();
        assertThat(registry.find(JobMetrics.STATE).tag("job", "b").gauges()).hasSize(1);
        assertThat(jobs.progress("a")).isEmpty();
    }

    @Test
    void updateOfAnUnknownJobRegistersIt() {
        jobs.update("late", new JobGaugeValues("succeeded", "", 10, 0.1, 0));

        assertThat(jobs.jobs()).containsExactly("late");
        Gauge state = registry.get(JobMetrics.STATE).tag("job", "late").gauge();
        assertThat(state.getId().getTag("type")).isEqualTo("unknown");
        assertThat(state.getId().getTag("state")).isEqualTo("succeeded");
    }
}
