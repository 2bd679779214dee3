package com.fmawsss.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class InfoMetricTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final AtomicReference<String> active = new AtomicReference<>("manual-voc");
    private final Tags fixed = Tags.of("bundle_clip", "clip-b16@abc", "bundle_sam", "sam-h", "device", "cpu");

    private Gauge only() {
        return registry.find(InfoMetric.NAME).gauges().stream().reduce((a, b) -> {
            throw new AssertionError("more than one fma.info series");
        }).orElseThrow();
    }

    @Test
    void carriesTheBundleDeviceAndActivePromptVersion() {
        new InfoMetric(registry, fixed, active::get);

        Gauge info = only();
        assertThat(info.value()).isEqualTo(1.0);
        assertThat(info.getId().getTag("bundle_clip")).isEqualTo("clip-b16@abc");
        assertThat(info.getId().getTag("bundle_sam")).isEqualTo("sam-h");
        assertThat(info.getId().getTag("device")).isEqualTo("cpu");
        assertThat(info.getId().getTag("prompt_version")).isEqualTo("manual-voc");
    }

    @Test
    void refreshReplacesTheSeriesOnlyWhenTheVersionChanged() {
        InfoMetric metric = new InfoMetric(registry, fixed, active::get);

        assertThat(metric.refresh()).isFalse();
        active.set("v3");
        assertThat(metric.refresh()).isTrue();

        assertThat(only().getId().getTag("prompt_version")).isEqualTo("v3");
        assertThat(metric.promptVersion()).isEqualTo("v3");
        assertThat(metric.refresh()).isFalse();
    }

    @Test
    void missingActiveVersionIsLabelledNone() {
        active.set(null);

        new InfoMetric(registry, fixed, active::get);

        assertThat(only().getId().getTag("prompt_version")).isEqualTo("none");
    }
}
