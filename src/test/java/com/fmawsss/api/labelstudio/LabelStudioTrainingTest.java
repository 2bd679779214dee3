package com.fmawsss.api.labelstudio;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fmawsss.labeling.labelstudio.LabelStudioProperties;
import com.fmawsss.problems.ApiProblem;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class LabelStudioTrainingTest {

    @Test
    void startTrainingIsRefusedWhenTrainingIsDisabled() {
        LabelStudioProperties disabled = new LabelStudioProperties(true, "/label-studio", null, null, null, null, List.of(), false,
                false, 1000, Duration.ofSeconds(1), 1, Duration.ofSeconds(1), true, 16, "ls", false,
                new LabelStudioProperties.Training(null, null, null), 1, 10, Duration.ofSeconds(1), Duration.ofSeconds(1));
        // Refused before the dataset or the job layer is touched.
        assertThatThrownBy(() -> new LabelStudioTraining(disabled, null, null, null).start(3))
                .isInstanceOfSatisfying(ApiProblem.class, p -> {
                    org.assertj.core.api.Assertions.assertThat(p.status().value()).isEqualTo(403);
                    org.assertj.core.api.Assertions.assertThat(p.slug()).isEqualTo(LabelStudioTraining.TRAINING_DISABLED);
                });
    }
}
