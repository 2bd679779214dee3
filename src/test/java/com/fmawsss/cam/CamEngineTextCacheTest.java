package com.fmawsss.cam;

import static org.assertj.core.api.Assertions.assertThat;

import com.fmawsss.DemoBundleFixture;
import com.fmawsss.clip.PromptSelection;
import com.fmawsss.clip.TextFeatureCache;
import com.fmawsss.image.RgbImage;
import com.fmawsss.prompts.PromptSet;
import com.fmawsss.prompts.Vocabulary;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Cached text features give exactly the CAMs of encoding every prompt, and are reused across requests. */
class CamEngineTextCacheTest {

    @Test
    void cachedPromptsGiveTheSameCamsAsEncodingEveryTime() {
        CamEngine cached = new CamEngine(DemoBundleFixture.bundle(), new TextFeatureCache(4096));
        CamEngine uncached = new CamEngine(DemoBundleFixture.bundle(), new TextFeatureCache(0));
        RgbImage image = SyntheticImages.discs(100, 70, 5);
        PromptSet voc = PromptSet.manual(Vocabulary.voc());
        int background = voc.vocabulary().background().size();

        CamResult first = cached.compute(image, PromptSelection.of(voc, List.of("cat", "dog")));
        assertThat(cached.textFeatures().misses()).isEqualTo(2 + background);
        assertThat(cached.textFeatures().hits()).isZero();

        // A new prompt-set instance with the same texts, one class shared, one new, in another order.
        PromptSelection second = PromptSelection.of(PromptSet.manual(Vocabulary.voc()), List.of("person", "cat"));
        CamResult again = cached.compute(image, second);
        assertThat(cached.textFeatures().hits()).isEqualTo(1 + background);
        assertThat(cached.textFeatures().misses()).isEqualTo(3 + background);

        CamResult reference = uncached.compute(image, second);
        assertThat(again.logits()).containsExactly(reference.logits());
        assertThat(again.raw().data()).containsExactly(reference.raw().data());
        assertThat(again.refined().data()).containsExactly(reference.refined().data());
        assertThat(uncached.textFeatures().hits()).isZero();
        assertThat(first.raw().data()).isNotEqualTo(again.raw().data());
    }
}
