package com.fmawsss.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fmawsss.progress.Stage;
import com.fmawsss.progress.WorkCancelledException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RunProgressTest {

    private final AtomicLong now = new AtomicLong();

    @Test
    void thePercentageWeighsEachStageByItsEstimatedCost() {
        // 2 s of CLIP, 8 s of SAM decoding.
        RunProgress progress = new RunProgress(Map.of(Stage.CLIP_ENCODE, 2.0, Stage.SAM_DECODE, 8.0), now::get);
        progress.started();
        progress.planned(Stage.CLIP_ENCODE, 1);
        progress.advanced(Stage.CLIP_ENCODE, 1);
        progress.planned(Stage.SAM_DECODE, 1000);
        progress.advanced(Stage.SAM_DECODE, 250);
        now.set(Duration.ofSeconds(8).toNanos());

        RunProgress.Snapshot snapshot = progress.snapshot();

        assertThat(snapshot.stage()).isEqualTo(Stage.SAM_DECODE);
        assertThat(snapshot.stageDone()).isEqualTo(250);
        assertThat(snapshot.stageTotal()).isEqualTo(1000);
        double done = 2.0 + 8.0 * 0.25;
        assertThat(snapshot.percent()).isCloseTo(100 * done / 10.0, within(1e-9));
        assertThat(snapshot.running()).isEqualTo(Duration.ofSeconds(8));
        // 4 estimated seconds took 8: the remaining 6 estimated seconds will take 12.
        assertThat(snapshot.remaining().toMillis()).isEqualTo(12_000);
    }

    @Test
    void aCancelledRunFailsItsNextCheckWithTheReason() {
        RunProgress progress = new RunProgress(Map.of());
        progress.checkCancelled();

        progress.cancel("client gone");

        assertThat(progress.cancelReason()).isEqualTo("client gone");
        assertThatThrownBy(progress::checkCancelled).isInstanceOf(WorkCancelledException.class).hasMessage("client gone");
    }

    @Test
    void withoutEstimatesEveryAnnouncedStageWeighsTheSame() {
        RunProgress progress = new RunProgress(Map.of(), now::get);
        progress.planned(Stage.CLIP_ENCODE, 2);
        progress.advanced(Stage.CLIP_ENCODE, 2);
        progress.planned(Stage.SAM_DECODE, 10);

        assertThat(progress.snapshot().percent()).isCloseTo(50.0, within(1e-9));
        assertThat(progress.snapshot().remaining()).isNull();
        assertThat(progress.snapshot().running()).isEqualTo(Duration.ZERO);
    }
}
