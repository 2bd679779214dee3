package com.fmawsss.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetryAfterTest {

    @Test
    void isMeanServiceTimeTimesQueueLengthPerWorkerRoundedUpToSeconds() {
        assertThat(RetryAfter.estimate(Duration.ofMillis(300), 32, 1)).isEqualTo(Duration.ofSeconds(10));
        assertThat(RetryAfter.estimate(Duration.ofMillis(1500), 2, 1)).isEqualTo(Duration.ofSeconds(3));
        assertThat(RetryAfter.estimate(Duration.ofSeconds(1), 3, 2)).isEqualTo(Duration.ofSeconds(2));
        assertThat(RetryAfter.estimate(Duration.ofSeconds(1), 4, 2)).isEqualTo(Duration.ofSeconds(2));
        assertThat(RetryAfter.estimate(Duration.ofMillis(2001), 1, 1)).isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void isAtLeastOneSecond() {
        assertThat(RetryAfter.estimate(Duration.ZERO, 32, 1)).isEqualTo(Duration.ofSeconds(1));
        assertThat(RetryAfter.estimate(Duration.ofMillis(10), 4, 2)).isEqualTo(Duration.ofSeconds(1));
        assertThat(RetryAfter.estimate(Duration.ofSeconds(5), 0, 1)).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void doesNotOverflow() {
        Duration huge = Duration.ofNanos(Long.MAX_VALUE / 2);

        // Saturates at Long.MAX_VALUE nanoseconds of work instead of wrapping to a negative wait.
        assertThat(RetryAfter.estimate(huge, 1024, 1))
                .isEqualTo(Duration.ofSeconds(Long.MAX_VALUE / 1_000_000_000L + 1));
    }
}
