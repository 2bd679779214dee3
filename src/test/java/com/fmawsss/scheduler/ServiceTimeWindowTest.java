package com.fmawsss.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ServiceTimeWindowTest {

    @Test
    void isZeroBeforeTheFirstSample() {
        assertThat(new ServiceTimeWindow(4).mean()).isEqualTo(Duration.ZERO);
    }

    @Test
    void averagesTheSamples() {
        ServiceTimeWindow window = new ServiceTimeWindow(4);

        window.record(Duration.ofMillis(100).toNanos());
        window.record(Duration.ofMillis(200).toNanos());
        window.record(Duration.ofMillis(600).toNanos());

        assertThat(window.mean()).isEqualTo(Duration.ofMillis(300));
    }

    @Test
    void keepsOnlyTheMostRecentSamples() {
        ServiceTimeWindow window = new ServiceTimeWindow(2);

        window.record(Duration.ofSeconds(10).toNanos());
        window.record(Duration.ofSeconds(1).toNanos());
        window.record(Duration.ofSeconds(3).toNanos());

        assertThat(window.mean()).isEqualTo(Duration.ofSeconds(2));
        window.record(Duration.ofSeconds(5).toNanos());
        assertThat(window.mean()).isEqualTo(Duration.ofSeconds(4));
    }

    @Test
    void countsNegativeSamplesAsZero() {
        ServiceTimeWindow window = new ServiceTimeWindow(2);

        window.record(-5);
        window.record(10);

        assertThat(window.mean()).isEqualTo(Duration.ofNanos(5));
    }

    @Test
    void needsRoomForASample() {
        assertThatThrownBy(() -> new ServiceTimeWindow(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
