package com.fmawsss.sam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class AmgOverridesTest {

    @Test
    void overriddenFieldsChangeAndTheOthersKeepTheProfileValues() {
        AmgSettings official = AmgSettings.defaults();
        AmgSettings s = AmgOverrides.apply(official, Map.of(
                "points-per-side", "16", "cropNLayers", "0", "level-iou-offsets", "0, 0.05, 0.2", "stability_thresh", "0.5"));

        assertThat(s.pointsPerSide()).isEqualTo(16);
        assertThat(s.cropNLayers()).isZero();
        assertThat(s.levelIouOffsets()).containsExactly(0, 0.05, 0.2);
        assertThat(s.stabilityThresh()).isEqualTo(0.5);
        assertThat(s.predIouThresh()).isEqualTo(official.predIouThresh());
        assertThat(s.pointsPerBatch()).isEqualTo(official.pointsPerBatch());
        assertThat(s.levelNmsBonus()).containsExactly(official.levelNmsBonus());
        assertThat(AmgOverrides.apply(official, Map.of()).key()).isEqualTo(official.key());
    }

    @Test
    void unknownFieldsAndBadValuesAreRefusedWithTheirNames() {
        assertThatThrownBy(() -> AmgOverrides.apply(AmgSettings.defaults(), Map.of("pointsPerSid", "8")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pointsPerSid");
        assertThatThrownBy(() -> AmgOverrides.apply(AmgSettings.defaults(), Map.of("predIouThresh", "high")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("predIouThresh");
        assertThatThrownBy(() -> AmgOverrides.apply(AmgSettings.defaults(), Map.of("levelNmsBonus", "1,2")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("3 values");
    }
}
