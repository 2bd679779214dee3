package com.fmawsss.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fmawsss.sam.AmgProfiles;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The device's default profile and point batch, the operator's overrides over them. */
class AmgProfileResolverTest {

    @Test
    void theDeviceChoosesTheProfileAndThePointBatch() {
        AmgChoice cpu = new AmgProfileResolver("auto", false, false, Map.of()).resolve(null, null);
        assertThat(cpu.profile()).isEqualTo(AmgProfiles.FAST);
        assertThat(cpu.settings().pointsPerBatch()).isEqualTo(AmgProfileResolver.CPU_POINTS_PER_BATCH).isEqualTo(8);
        AmgChoice gpu = new AmgProfileResolver("auto", false, true, Map.of()).resolve(null, null);
        assertThat(gpu.profile()).isEqualTo(AmgProfiles.OFFICIAL);
        assertThat(gpu.settings().pointsPerBatch()).isEqualTo(64);
        // The batch changes how the points are split, not which masks come out: not a custom profile.
        assertThat(cpu.settings().key()).isEqualTo(AmgProfiles.named(AmgProfiles.FAST).key());
    }

    @Test
    void anOperatorsOverrideWins() {
        AmgChoice chosen = new AmgProfileResolver("auto", false, false, Map.of("points-per-batch", "32"))
                .resolve(AmgProfiles.BALANCED, null);
        assertThat(chosen.settings().pointsPerBatch()).isEqualTo(32);
        assertThat(chosen.profile()).isEqualTo(AmgProfiles.BALANCED);
        AmgChoice grid = new AmgProfileResolver("auto", false, false, Map.of("points-per-side", "20")).resolve(null, null);
        assertThat(grid.profile()).isEqualTo(AmgProfiles.FAST + "+custom");
        assertThat(grid.settings().pointsPerSide()).isEqualTo(20);
    }
}
