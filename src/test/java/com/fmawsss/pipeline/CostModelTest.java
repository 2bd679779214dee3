package com.fmawsss.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fmawsss.progress.Stage;
import com.fmawsss.sam.AmgProfiles;
import com.fmawsss.sam.AmgSettings;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CostModelTest {

    @Test
    void theShapeCountsTheUnitsOfEveryStage() {
        AmgSettings official = AmgProfiles.named(AmgProfiles.OFFICIAL);

        WorkShape shape = WorkShape.of(500, 375, 2, 16, true, official, false);

        // ceil(500/16) x ceil(375/16) patch tokens; the full image and 4 crops; 32^2 + 4 x 16^2 points.
        assertThat(shape.clipTokens()).isEqualTo(32L * 24);
        assertThat(shape.samPasses()).isEqualTo(5);
        assertThat(shape.samPoints()).isEqualTo(1024 + 4 * 256);
        assertThat(shape.units(Stage.GRADCAM)).isEqualTo(768.0 * 2);
        assertThat(shape.units(Stage.CAA)).isEqualTo(768.0 * 768 * 2);
        assertThat(shape.units(Stage.SAMS)).isEqualTo(500.0 * 375 * 2);
        assertThat(WorkShape.of(500, 375, 2, 16, true, AmgProfiles.named(AmgProfiles.FAST), false).samPoints()).isEqualTo(256);
        assertThat(WorkShape.of(500, 375, 2, 16, true, official, true).samPasses()).isZero();
        assertThat(WorkShape.of(500, 375, 2, 16, false, official, false).clipTokens()).isZero();
        assertThat(WorkShape.of(500, 375, 2, 16, true, null, false).units(Stage.SAM_DECODE)).isZero();
    }

    @Test
    void estimatesAreUnitsTimesTheLearnedCostAndFollowNewObservations() {
        CostModel model = new CostModel();
        WorkShape calibration = new WorkShape(100, 1, 1, 64, 10_000);
        Map<Stage, Long> nanos = new EnumMap<>(Stage.class);
        nanos.put(Stage.CLIP_ENCODE, 200_000_000L); // 2 ms per token
        nanos.put(Stage.SAM_ENCODE, 3_000_000_000L); // 3 s per pass
        nanos.put(Stage.SAM_DECODE, 640_000_000L); // 10 ms per point

        assertThat(model.estimate(calibration)).isEqualTo(Duration.ZERO);
        model.observe(calibration, nanos);

        WorkShape request = new WorkShape(300, 2, 5, 2048, 0);
        assertThat(model.estimate(request).toNanos() / 1e9).isCloseTo(300 * 0.002 + 5 * 3.0 + 2048 * 0.01, within(1e-6));
        assertThat(model.calibrated()).isFalse(); // gradcam, caa and sams were never observed

        // A run twice as slow per point moves the cost by the smoothing weight.
        model.observe(new WorkShape(0, 1, 0, 100, 0), Map.of(Stage.SAM_DECODE, 2_000_000_000L));
        double expected = 0.01 + CostModel.SMOOTHING * (0.02 - 0.01);
        assertThat(model.secondsPerUnit().get(Stage.SAM_DECODE)).isCloseTo(expected, within(1e-12));
    }

    @Test
    void aRunThatSkippedAStageLeavesItsCostAlone() {
        CostModel model = new CostModel();
        model.observe(new WorkShape(0, 1, 1, 64, 0), Map.of(Stage.SAM_ENCODE, 1_000_000_000L));

        // Superpixels came from the cache: the shape has SAM units but the run reported no SAM time.
        model.observe(new WorkShape(10, 1, 1, 64, 0), Map.of(Stage.CLIP_ENCODE, 10_000_000L));

        assertThat(model.secondsPerUnit().get(Stage.SAM_ENCODE)).isEqualTo(1.0);
    }

    @Test
    void aCalibrationReplacesTheCostsItMeasuresAndKeepsTheOthers() {
        CostModel model = new CostModel();
        model.observe(new WorkShape(10, 1, 1, 10, 0), Map.of(Stage.SAM_ENCODE, 200_000_000_000L, Stage.CLIP_ENCODE, 10_000_000L));

        model.calibrate(new WorkShape(10, 1, 1, 10, 0), Map.of(Stage.SAM_ENCODE, 20_000_000_000L));

        assertThat(model.secondsPerUnit().get(Stage.SAM_ENCODE)).isEqualTo(20.0);
        assertThat(model.secondsPerUnit().get(Stage.CLIP_ENCODE)).isEqualTo(0.001);
        model.noteRefusal();
        assertThat(model.refusals()).isEqualTo(1);
    }
}
