package com.fmawsss.cam;

import static org.assertj.core.api.Assertions.assertThat;

import com.fmawsss.prompts.PromptLayout;
import com.fmawsss.prompts.PromptSet;
import com.fmawsss.prompts.PromptSetFactory;
import com.fmawsss.prompts.Vocabulary;
import org.junit.jupiter.api.Test;

/** The stream constants are the official ones (spec §5 "Stream settings", §8 "CAA"). */
class CamSettingsTest {

    @Test
    void streamsCarryTheOfficialConstants() {
        assertThat(CamSettings.classification(PromptLayout.VOC))
                .isEqualTo(new CamSettings("classification", true, 8, 1, 2, 0.4, PropagatedCam.SCORE));
        assertThat(CamSettings.classification(PromptLayout.COCO).boxThreshold()).isEqualTo(0.6);
        assertThat(CamSettings.segmentation(PromptLayout.VOC))
                .isEqualTo(new CamSettings("segmentation", true, 8, 1, 2, 0.5, PropagatedCam.RAW));
        assertThat(CamSettings.segmentation(PromptLayout.COCO).enabled()).isFalse();
    }

    @Test
    void manualPromptsUseTheClassificationStream() {
        assertThat(CamSettings.forPromptSet(PromptSet.manual(Vocabulary.voc())).stream()).isEqualTo("classification");
        assertThat(CamSettings.forPromptSet(
                PromptSetFactory.segmentation("s", Vocabulary.voc(), PromptLayout.VOC, 4, 8, 0)).stream())
                .isEqualTo("segmentation");
    }
}
