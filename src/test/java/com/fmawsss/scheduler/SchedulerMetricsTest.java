package com.fmawsss.scheduler;

import static com.fmawsss.scheduler.SchedulerTesting.properties;
import static com.fmawsss.scheduler.SchedulerTesting.resultOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fmawsss.scheduler.SchedulerTesting.FakeTicker;
import com.fmawsss.scheduler.SchedulerTesting.Fixture;
import com.fmawsss.scheduler.SchedulerTesting.Gate;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Getters and Micrometer meters report the same values. */
class SchedulerMetricsTest {

    private final Fixture fixture = new Fixture();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final FakeTicker ticker = new FakeTicker();

    @AfterEach
    void release() throws Exception {
        fixture.close();
    }

    @Test
    void metersAndGettersAfterAFewTasks() {
        InferenceScheduler scheduler =
                fixture.track(new InferenceScheduler("cuda:0", properties(1, 1, 4), registry, ticker));
        resultOf(scheduler.submit(Priority.INTERACTIVE, ticker.work(Duration.ofMillis(100), "a")));
        resultOf(scheduler.submit(Priority.INTERACTIVE, ticker.work(Duration.ofMillis(300), "b")));
        resultOf(scheduler.submit(Priority.BACKGROUND, ticker.work(Duration.ofMillis(200), "c")));
        Gate busy = fixture.gate();
        scheduler.submit(Priority.INTERACTIVE, busy.work("busy"));
        busy.awaitEntered();
        scheduler.submit(Priority.INTERACTIVE, () -> "queued");
        scheduler.submit(Priority.BACKGROUND, () -> "queued");
        scheduler.submit(Priority.BACKGROUND, () -> "queued");
        assertThatThrownBy(() -> scheduler.submit(Priority.INTERACTIVE, () -> "refused"))
                .isInstanceOf(QueueFullException.class);

        assertThat(scheduler.queueDepth(Priority.INTERACTIVE)).isEqualTo(1);
        assertThat(scheduler.queueDepth(Priority.BACKGROUND)).isEqualTo(2);
        assertThat(scheduler.inFlight()).isEqualTo(1);
        assertThat(scheduler.rejectedCount()).isEqualTo(1);
        assertThat(scheduler.completedCount()).isEqualTo(3);
        assertThat(scheduler.meanServiceTime()).isEqualTo(Duration.ofMillis(200));

        assertThat(gauge(SchedulerMetrics.QUEUE_DEPTH, "interactive")).isEqualTo(1.0);
        assertThat(gauge(SchedulerMetrics.QUEUE_DEPTH, "background")).isEqualTo(2.0);
        assertThat(registry.get(SchedulerMetrics.IN_FLIGHT).tag("device", "cuda:0").gauge().value())
                .isEqualTo(1.0);
        assertThat(rejected("interactive")).isEqualTo(1.0);
        assertThat(rejected("background")).isZero();
        assertThat(registry.get(SchedulerMetrics.COMPLETED).functionCounter().count()).isEqualTo(3.0);
        Timer interactive = timer("interactive");
        assertThat(interactive.count()).isEqualTo(2);
        assertThat(interactive.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(400.0);
        assertThat(interactive.max(TimeUnit.MILLISECONDS)).isEqualTo(300.0);
        Timer background = timer("background");
        assertThat(background.count()).isEqualTo(1);
        assertThat(background.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(200.0);

        busy.open();
        resultOf(scheduler.submit(Priority.BACKGROUND, () -> "last"));
        assertThat(gauge(SchedulerMetrics.QUEUE_DEPTH, "interactive")).isZero();
        assertThat(gauge(SchedulerMetrics.QUEUE_DEPTH, "background")).isZero();
        assertThat(registry.get(SchedulerMetrics.COMPLETED).functionCounter().count()).isEqualTo(8.0);
    }

    @Test
    void prometheusNamesAreTheDocumentedOnes() {
        PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        InferenceScheduler scheduler =
                fixture.track(new InferenceScheduler("cpu", properties(1, 4, 4), prometheus));
        resultOf(scheduler.submit(Priority.INTERACTIVE, () -> "x"));

        String scrape = prometheus.scrape();

        assertThat(scrape)
                .contains("fma_inference_queue_depth{device=\"cpu\",priority=\"interactive\"} 0")
                .contains("fma_inference_queue_depth{device=\"cpu\",priority=\"background\"} 0")
                .contains("fma_inference_in_flight{device=\"cpu\"} 0")
                .contains("fma_inference_rejected_total{device=\"cpu\",priority=\"interactive\"} 0")
                .contains("fma_inference_completed_total{device=\"cpu\"} 1")
                .contains("fma_inference_service_time_seconds_count{device=\"cpu\",priority=\"interactive\"} 1");
    }

    @Test
    void schedulersOfTwoDevicesShareARegistryAndRemoveTheirMetersWhenClosed() {
        InferenceScheduler gpu0 = fixture.track(new InferenceScheduler("cuda:0", properties(1, 4, 4), registry));
        InferenceScheduler gpu1 = fixture.track(new InferenceScheduler("cuda:1", properties(1, 4, 4), registry));
        resultOf(gpu0.submit(Priority.INTERACTIVE, () -> "x"));
        resultOf(gpu0.submit(Priority.INTERACTIVE, () -> "y"));
        resultOf(gpu1.submit(Priority.INTERACTIVE, () -> "z"));

        assertThat(completed(registry, "cuda:0")).isEqualTo(2.0);
        assertThat(completed(registry, "cuda:1")).isEqualTo(1.0);

        gpu0.close();

        assertThat(registry.find(SchedulerMetrics.COMPLETED).tag("device", "cuda:0").functionCounter()).isNull();
        assertThat(registry.find(SchedulerMetrics.QUEUE_DEPTH).tag("device", "cuda:0").gauges()).isEmpty();
        assertThat(completed(registry, "cuda:1")).isEqualTo(1.0);
        gpu1.close();
        assertThat(registry.getMeters()).isEmpty();
    }

    @Test
    void noMetersWithoutARegistry() {
        InferenceScheduler scheduler = fixture.scheduler(properties(1, 4, 4));
        resultOf(scheduler.submit(Priority.INTERACTIVE, () -> "x"));

        assertThat(scheduler.completedCount()).isEqualTo(1);
        assertThat(registry.getMeters()).isEmpty();
    }

    private double gauge(String name, String priority) {
        return registry.get(name).tag("priority", priority).gauge().value();
    }

    private double rejected(String priority) {
        return registry.get(SchedulerMetrics.REJECTED).tag("priority", priority).functionCounter().count();
    }

    private Timer timer(String priority) {
        return registry.get(SchedulerMetrics.SERVICE_TIME).tag("priority", priority).timer();
    }

    private static double completed(MeterRegistry registry, String device) {
        return registry.get(SchedulerMetrics.COMPLETED).tag("device", device).functionCounter().count();
    }
}
