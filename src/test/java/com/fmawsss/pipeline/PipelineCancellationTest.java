package com.fmawsss.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fmawsss.DemoBundleFixture;
import com.fmawsss.cam.CamEngine;
import com.fmawsss.cam.SyntheticImages;
import com.fmawsss.clip.PromptSelection;
import com.fmawsss.image.RgbImage;
import com.fmawsss.progress.Progress;
import com.fmawsss.progress.Stage;
import com.fmawsss.progress.WorkCancelledException;
import com.fmawsss.prompts.PromptSet;
import com.fmawsss.prompts.Vocabulary;
import com.fmawsss.sam.AmgProfiles;
import com.fmawsss.sam.AmgSettings;
import com.fmawsss.sam.QuasiSuperpixelService;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A cancelled run stops at the pipeline's next check: between stages, and between SAM point
 * batches, so the device is free again within one batch. Counted in batches, not timed.
 */
class PipelineCancellationTest {

    /** 32x32 points in batches of 64: 16 batches, none of which may run after the cancellation. */
    private static final AmgSettings SIXTEEN_BATCHES = AmgProfiles.named(AmgProfiles.DEMO).toBuilder()
            .pointsPerSide(32).pointsPerBatch(64).build();

    private final QuasiSuperpixelService superpixels = new QuasiSuperpixelService(DemoBundleFixture.bundle(), 16 << 20, null);
    private final FmaPipeline pipeline = new FmaPipeline(new CamEngine(DemoBundleFixture.bundle()), superpixels);
    private final RgbImage image = SyntheticImages.discs(96, 72, 11);
    private final PromptSelection selection = PromptSelection.of(PromptSet.manual(Vocabulary.voc()), List.of("cat", "dog"));

    /** Records every report and cancels once {@code stopAfter} SAM batches are done. */
    static final class Recorder implements Progress {
        final List<String> events = new ArrayList<>();
        final int stopAfter;
        int batches;
        boolean cancelled;

        Recorder(int stopAfter) {
            this.stopAfter = stopAfter;
        }

        @Override
        public void planned(Stage stage, long units) {
            events.add("planned " + stage.tag() + " " + units);
        }

        @Override
        public void advanced(Stage stage, long units) {
            events.add("advanced " + stage.tag() + " " + units);
            if (stage == Stage.SAM_DECODE && ++batches == stopAfter) {
                cancelled = true;
            }
        }

        @Override
        public void checkCancelled() {
            if (cancelled) {
                throw new WorkCancelledException("test");
            }
        }
    }

    @Test
    void noPointBatchRunsAfterTheCancellation() {
        Recorder recorder = new Recorder(2);

        assertThatThrownBy(() -> pipeline.seed(image, "cancel-1", selection, SIXTEEN_BATCHES, recorder))
                .isInstanceOf(WorkCancelledException.class);

        assertThat(recorder.events).contains("planned sam_decode 1024");
        assertThat(recorder.batches).isEqualTo(2);
        assertThat(recorder.events).doesNotContain("planned sams 1");
        // Nothing half-computed is cached: the next request computes the superpixels afresh.
        assertThat(pipeline.superpixelsCached("cancel-1", SIXTEEN_BATCHES)).isFalse();
    }

    @Test
    void aRunNobodyCancelsReportsEveryUnitItPlanned() {
        Recorder recorder = new Recorder(Integer.MAX_VALUE);

        pipeline.seed(image, "cancel-2", selection, SIXTEEN_BATCHES, recorder);

        assertThat(recorder.batches).isEqualTo(16);
        assertThat(recorder.events.stream().filter(e -> e.startsWith("advanced sam_decode"))
                .mapToLong(e -> Long.parseLong(e.substring(e.lastIndexOf(' ') + 1))).sum()).isEqualTo(1024);
        assertThat(recorder.events).contains("planned sam_encode 1", "advanced sam_encode 1", "planned clip_encode 2",
                "advanced caa 2", "planned sams 1", "advanced sams 1");
        assertThat(pipeline.superpixelsCached("cancel-2", SIXTEEN_BATCHES)).isTrue();
    }

    @Test
    void aCancellationBeforeSamStopsBetweenTheClipStages() {
        Progress cancelAfterClip = new Progress() {
            boolean encoded;

            @Override
            public void advanced(Stage stage, long units) {
                encoded |= stage == Stage.CLIP_ENCODE;
            }

            @Override
            public void checkCancelled() {
                if (encoded) {
                    throw new WorkCancelledException("test");
                }
            }
        };

        assertThatThrownBy(() -> pipeline.seed(image, "cancel-3", selection, SIXTEEN_BATCHES, cancelAfterClip))
                .isInstanceOf(WorkCancelledException.class);
        assertThat(superpixels.predictor().encoderRuns()).isZero();
    }
}
