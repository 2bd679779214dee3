package com.fmawsss.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

class SchedulerPropertiesTest {

    @Test
    void defaults() {
        SchedulerProperties defaults = SchedulerProperties.defaults();

        assertThat(defaults).isEqualTo(new SchedulerProperties(1, 32, 1024, Duration.ofSeconds(120)));
    }

    @Test
    void bindsDefaultsWhenNothingIsSet() {
        assertThat(bind(Map.of())).isEqualTo(SchedulerProperties.defaults());
    }

    @Test
    void bindsTheSetValues() {
        SchedulerProperties bound = bind(Map.of(
                "fma.scheduler.concurrency", "2",
                "fma.scheduler.queue-capacity", "8",
                "fma.scheduler.background-queue-capacity", "64",
                "fma.scheduler.request-timeout", "30s"));

        assertThat(bound).isEqualTo(new SchedulerProperties(2, 8, 64, Duration.ofSeconds(30)));
    }

    @Test
    void refusesInvalidValues() {
        assertThatThrownBy(() -> bind(Map.of("fma.scheduler.concurrency", "0")))
                .isInstanceOf(BindException.class)
                .rootCause()
                .hasMessageContaining("concurrency must be >= 1");
        assertThatThrownBy(() -> new SchedulerProperties(1, 0, 1, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SchedulerProperties(1, 1, 0, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SchedulerProperties(1, 1, 1, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void copiesWithOtherValues() {
        SchedulerProperties p = SchedulerProperties.defaults()
                .withConcurrency(3)
                .withCapacities(4, 5)
                .withRequestTimeout(Duration.ofSeconds(9));

        assertThat(p).isEqualTo(new SchedulerProperties(3, 4, 5, Duration.ofSeconds(9)));
    }

    private static SchedulerProperties bind(Map<String, String> values) {
        return new Binder(new MapConfigurationPropertySource(values))
                .bindOrCreate("fma.scheduler", SchedulerProperties.class);
    }
}
