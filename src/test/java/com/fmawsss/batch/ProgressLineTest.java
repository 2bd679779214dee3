package com.fmawsss.batch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fmawsss.progress.Stage;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressLineTest {

    static final long SECOND = 1_000_000_000L;

    @Test
    void percentRateAndEtaFollowTheImagesThisProcessSeeded() {
        AtomicLong clock = new AtomicLong(5 * SECOND);
        // 100 images, 40 already complete: 60 to seed.
        ProgressLine line = new ProgressLine(1, 3, 100, 40, Duration.ofSeconds(10), clock::get);
        assertThat(line.line()).isEqualTo("shard 1/3: 40/100 (40.0%), 0 written, 0 failed, 40 skipped,"
                + " ETA unknown until the first image is done");

        line.starting("2007_000123");
        line.planned(Stage.SAM_DECODE, 1024);
        line.advanced(Stage.SAM_DECODE, 256);
        line.advanced(Stage.SAM_DECODE, 256);
        line.advanced(Stage.CLIP_ENCODE, 1); // another stage: not counted
        clock.addAndGet(8 * SECOND);
        assertThat(line.due()).isFalse();
        assertThat(line.line()).endsWith("| 2007_000123 sam_decode 512/1024");

        for (int i = 0; i < 9; i++) {
            line.written();
        }
        line.failed();
        clock.addAndGet(10 * SECOND); // 18 s for 9 images: 0.5 img/s, 50 left -> 100 s
        assertThat(line.due()).isTrue();
        assertThat(line.due()).isFalse();
        assertThat(line.line()).isEqualTo("shard 1/3: 50/100 (50.0%), 9 written, 1 failed, 40 skipped,"
                + " 0.500 img/s (1800 img/h), ETA 1m40s");
        assertThat(line.seconds()).isEqualTo(18.0);
    }

    @Test
    void durationsReadAsHoursMinutesAndSeconds() {
        assertThat(ProgressLine.duration(12)).isEqualTo("12s");
        assertThat(ProgressLine.duration(187)).isEqualTo("3m07s");
        assertThat(ProgressLine.duration(6540)).isEqualTo("1h49m");
        assertThat(ProgressLine.duration(100 * 3600 + 60)).isEqualTo("100h01m");
    }
}
