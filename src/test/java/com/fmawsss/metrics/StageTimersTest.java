package com.fmawsss.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import com.fmawsss.progress.Stage;

class StageTimersTest {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final StageTimers timers = new StageTimers(registry);

    @Test
    void everyStageHasAHistogramFromTheStart() {
        String scrape = registry.scrape();

        for (Stage stage : Stage.values()) {
            assertThat(scrape).contains("fma_stage_seconds_count{stage=\"" + stage.tag() + "\"} 0");
            assertThat(scrape).contains("fma_stage_seconds_bucket{stage=\"" + stage.tag() + "\",le=\"+Inf\"} 0");
        }
        assertThat(Arrays.stream(Stage.values()).map(Stage::tag))
                .containsExactly("clip_encode", "gradcam", "caa", "sam_encode", "sam_decode", "sams");
    }

    @Test
    void recordsCountAndSumPerStage() {
        timers.stageDone(Stage.SAMS, 5_000_000);
        timers.stageDone(Stage.SAMS, 3_000_000);
        timers.stageDone(Stage.CAA, -1); // clamped: a clock anomaly must not produce a negative sample

        assertThat(timers.count(Stage.SAMS)).isEqualTo(2);
        assertThat(timers.count(Stage.CAA)).isEqualTo(1);
        assertThat(timers.count(Stage.GRADCAM)).isZero();
        String scrape = registry.scrape();
        assertThat(scrape).contains("fma_stage_seconds_count{stage=\"sams\"} 2");
        assertThat(scrape).contains("fma_stage_seconds_sum{stage=\"sams\"} 0.008");
        assertThat(scrape).contains("fma_stage_seconds_sum{stage=\"caa\"} 0.0");
    }
}
