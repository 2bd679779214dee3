package com.fmawsss.prompts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fmawsss.tensors.FloatTensor;
import com.fmawsss.tensors.Safetensors;
import com.fmawsss.tensors.TensorFormatException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PromptSetFileTest {

    @Test
    void builtInVocabulariesMatchClipEs() {
        Vocabulary voc = Vocabulary.voc();
        assertThat(voc.classes()).hasSize(20);
        assertThat(voc.background()).hasSize(25);
        assertThat(voc.classes().get(14)).isEqualTo(new VocabularyEntry("person", "person with clothes,people,human"));
        assertThat(voc.classes().get(19).prompt()).isEqualTo("tvmonitor screen");
        Vocabulary coco = Vocabulary.coco();
        assertThat(coco.classes()).hasSize(80);
        assertThat(coco.background()).hasSize(23);
        assertThat(coco.background()).extracting(VocabularyEntry::name).doesNotContain("keyboard", "sign");
        assertThat(coco.indexOf("  Teddy Bear ")).isEqualTo(77);
    }

    @Test
    void learnedSetsRoundTripBitIdentically() {
        for (PromptSet set : new PromptSet[] {
            PromptSetFactory.classification("cls", Vocabulary.voc(), 16, 8, 1),
            PromptSetFactory.segmentation("seg", Vocabulary.voc(), PromptLayout.VOC, 16, 8, 2),
            PromptSetFactory.segmentation("coco", Vocabulary.coco(), PromptLayout.COCO, 4, 8, 3),
        }) {
            byte[] bytes = PromptSetFile.write(set);
            PromptSet back = PromptSetFile.read(bytes);
            assertThat(back.kind()).isEqualTo(set.kind());
            assertThat(back.layout()).isEqualTo(set.layout());
            assertThat(back.vocabulary()).isEqualTo(set.vocabulary());
            assertThat(back.contexts()).isEqualTo(set.contexts());
            assertThat(PromptSetFile.write(back)).isEqualTo(bytes);
        }
    }

    @Test
    void initialisationFollowsTheSpec() {
        PromptSet cls = PromptSetFactory.classification("c", Vocabulary.voc(), 16, 64, 7);
        assertThat(cls.contexts()).containsOnlyKeys(PromptSet.SHARED);
        assertThat(std(cls.contexts().get(PromptSet.SHARED).data())).isBetween(0.0135, 0.0165);
        PromptSet seg = PromptSetFactory.segmentation("s", Vocabulary.voc(), PromptLayout.VOC, 16, 64, 7);
        assertThat(seg.contexts().get(PromptSet.FOREGROUND).shape()).containsExactly(20, 16, 64);
        assertThat(seg.contexts().get(PromptSet.BACKGROUND).shape()).containsExactly(25, 16, 64);
        assertThat(std(seg.contexts().get(PromptSet.FOREGROUND).data())).isBetween(0.012, 0.013);
        assertThat(seg.labelFirst()).isTrue();
        assertThat(seg.backgroundText(0)).isEmpty();
        assertThat(cls.labelFirst()).isFalse();
        assertThat(cls.backgroundText(0)).isEqualTo("ground");
        assertThat(seg.foregroundContext(3).data())
                .isEqualTo(java.util.Arrays.copyOfRange(seg.contexts().get(PromptSet.FOREGROUND).data(), 3 * 16 * 64, 4 * 16 * 64));
        assertThat(PromptSetFactory.classification("c", Vocabulary.voc(), 16, 64, 7).contexts()).isEqualTo(cls.contexts());
    }

    @Test
    void rejectsFilesThatAreNotPromptSets() {
        byte[] plain = Safetensors.write(new Safetensors.Content(Map.of("x", FloatTensor.of(new float[1], 1)), Map.of()));
        assertThatThrownBy(() -> PromptSetFile.read(plain)).isInstanceOf(TensorFormatException.class).hasMessageContaining("promptSet");
        PromptSet set = PromptSetFactory.classification("cls", Vocabulary.voc(), 16, 8, 1);
        byte[] wrongShape = Safetensors.write(new Safetensors.Content(
                Map.of(PromptSet.SHARED, FloatTensor.of(new float[8], 1, 8)),
                Safetensors.read(PromptSetFile.write(set)).metadata()));
        assertThatThrownBy(() -> PromptSetFile.read(wrongShape)).hasMessageContaining("shape");
    }

    private static double std(float[] values) {
        double mean = 0;
        for (float v : values) {
            mean += v;
        }
        mean /= values.length;
        double var = 0;
        for (float v : values) {
            var += (v - mean) * (v - mean);
        }
        return Math.sqrt(var / values.length);
    }
}
