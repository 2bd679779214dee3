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

        java.util.List<String> shown = new java.util.ArrayList<>();
        line.onTick(() -> shown.add(line.line()));
        line.starting("2007_000123");
        line.planned(Stage.SAM_DECODE, 1024);
        line.advanced(Stage.SAM_DECODE, 256);
        line.advanced(Stage.SAM_DECODE, 256);
        line.advanced(Stage.CLIP_ENCODE, 1); // another stage: not counted
        clock.addAndGet(8 * SECOND);
        assertThat(line.tick()).isFalse();
        assertThat(line.line()).endsWith("| 2007_000123 sam_decode 512/1024");
        clock.addAndGet(2 * SECOND);
        line.advanced(Stage.SAM_DECODE, 256); // a stage report 10 s after the start: the line is due
        assertThat(shown).containsExactly("shard 1/3: 40/100 (40.0%), 0 written, 0 failed, 40 skipped,"
                + " ETA unknown until the first image is done | 2007_000123 sam_decode 768/1024");

        for (int i = 0; i < 9; i++) {
            line.written();
        }
        line.failed();
        clock.addAndGet(8 * SECOND);
        assertThat(line.tick()).isFalse(); // 8 s since the last line
        clock.addAndGet(2 * SECOND); // 20 s for 9 images: 0.45 img/s, 50 left -> 112 s
        assertThat(line.tick()).isTrue();
        assertThat(line.tick()).isFalse();
        assertThat(shown).hasSize(2);
        assertThat(line.line()).isEqualTo("shard 1/3: 50/100 (50.0%), 9 written, 1 failed, 40 skipped,"
                + " 0.450 img/s (1620 img/h), ETA 1m52s");
        assertThat(line.seconds()).isEqualTo(20.0);
    }

    @Test
    void durationsReadAsHoursMinutesAndSeconds() {
        assertThat(ProgressLine.duration(12)).isEqualTo("12s");
        assertThat(ProgressLine.duration(187)).isEqualTo("3m07s");
        assertThat(ProgressLine.duration(6540)).isEqualTo("1h49m");
        assertThat(ProgressLine.duration(100 * 3600 + 60)).isEqualTo("100h01m");
    }
}
