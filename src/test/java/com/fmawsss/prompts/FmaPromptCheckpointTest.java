package com.fmawsss.prompts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fmawsss.tensors.FloatTensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Layout rules of the FMA-WSSS prompt import (the same as models/fma_export/fma_prompts.py). */
class FmaPromptCheckpointTest {

    static FloatTensor context(int... shape) {
        float[] data = new float[Math.toIntExact(FloatTensor.elementCount(shape))];
        for (int i = 0; i < data.length; i++) {
            data[i] = i * 0.001f;
        }
        return new FloatTensor(shape, data);
    }

    static FmaPromptCheckpoint.Request request(Vocabulary vocabulary, PromptKind kind, PromptLayout layout, List<String> classes) {
        return new FmaPromptCheckpoint.Request("v-1", vocabulary, Optional.ofNullable(kind), Optional.ofNullable(layout),
                Optional.ofNullable(classes), Map.of(PromptInfo.SOURCE, "final.pth"));
    }

    /** The official VOC lists of FMA-WSSS's configs, as prompt texts. */
    static List<String> officialVoc(boolean pureContextBackground) {
        List<String> names = new ArrayList<>(Vocabulary.voc().classes().stream().map(VocabularyEntry::prompt).toList());
        Vocabulary.voc().background().forEach(b -> names.add(pureContextBackground ? "" : b.name()));
        return names;
    }

    @Test
    void classSpecificContextsAreVocSegmentationPrompts() {
        FloatTensor ctx = context(45, 16, 8);
        PromptSet set = FmaPromptCheckpoint.toPromptSet(ctx, request(Vocabulary.voc(), null, null, null));
        assertThat(set.kind()).isEqualTo(PromptKind.SEGMENTATION);
        assertThat(set.layout()).isEqualTo(PromptLayout.VOC);
        assertThat(set.labelFirst()).isTrue();
        assertThat(set.contextTokens()).isEqualTo(16);
        assertThat(set.contexts().get(PromptSet.FOREGROUND).shape()).containsExactly(20, 16, 8);
        assertThat(set.contexts().get(PromptSet.BACKGROUND).shape()).containsExactly(25, 16, 8);
        // Row 20 of the checkpoint is the first background prompt.
        assertThat(set.backgroundContext(0).data()).isEqualTo(Arrays.copyOfRange(ctx.data(), 20 * 128, 21 * 128));
        assertThat(set.foregroundContext(19).data()).isEqualTo(Arrays.copyOfRange(ctx.data(), 19 * 128, 20 * 128));
        assertThat(set.info()).containsEntry(PromptInfo.SOURCE, "final.pth");
        // The training's own list (pure-context background) is accepted as well.
        FmaPromptCheckpoint.toPromptSet(ctx, request(Vocabulary.voc(), PromptKind.SEGMENTATION, PromptLayout.VOC, officialVoc(true)));
    }

    @Test
    void sharedContextsNeedTheKind() {
        FloatTensor ctx = context(16, 8);
        assertThatThrownBy(() -> FmaPromptCheckpoint.toPromptSet(ctx, request(Vocabulary.voc(), null, null, null)))
                .isInstanceOf(FmaPromptCheckpoint.MismatchException.class).hasMessageContaining("give the kind");
        PromptSet cls = FmaPromptCheckpoint.toPromptSet(ctx, request(Vocabulary.voc(), PromptKind.CLASSIFICATION, null, null));
        assertThat(cls.layout()).isEqualTo(PromptLayout.VOC);
        assertThat(cls.contexts().get(PromptSet.SHARED)).isEqualTo(ctx);
        PromptSet cocoCls = FmaPromptCheckpoint.toPromptSet(ctx, request(Vocabulary.coco(), PromptKind.CLASSIFICATION, null, null));
        assertThat(cocoCls.layout()).isEqualTo(PromptLayout.COCO);
        PromptSet cocoSeg = FmaPromptCheckpoint.toPromptSet(ctx, request(Vocabulary.coco(), PromptKind.SEGMENTATION, null, null));
        assertThat(cocoSeg.layout()).isEqualTo(PromptLayout.COCO);
        assertThat(cocoSeg.labelFirst()).isFalse();
        assertThatThrownBy(() -> FmaPromptCheckpoint.toPromptSet(ctx, request(Vocabulary.coco(), PromptKind.SEGMENTATION, PromptLayout.VOC, null)))
                .isInstanceOf(FmaPromptCheckpoint.MismatchException.class).hasMessageContaining("COCO layout, not VOC");
        assertThatThrownBy(() -> FmaPromptCheckpoint.toPromptSet(context(45, 16, 8), request(Vocabulary.voc(), PromptKind.CLASSIFICATION, null, null)))
                .isInstanceOf(FmaPromptCheckpoint.MismatchException.class).hasMessageContaining("segmentation prompts, not classification");
    }

    @Test
    void classListDifferencesAreListed() {
        List<String> swapped = officialVoc(false);
        swapped.set(3, "sheep");
        swapped.set(16, "boat");
        FmaPromptCheckpoint.MismatchException e = mismatch(context(16, 8), request(Vocabulary.voc(), PromptKind.CLASSIFICATION, null, swapped));
        assertThat(e.differences()).containsExactly(
                "class 3: checkpoint 'sheep', vocabulary 'boat' ('boat')",
                "class 16: checkpoint 'boat', vocabulary 'sheep' ('sheep')");
        // Names instead of prompt texts match too.
        List<String> byName = new ArrayList<>(Vocabulary.voc().classNames());
        Vocabulary.voc().background().forEach(b -> byName.add(b.name()));
        FmaPromptCheckpoint.toPromptSet(context(16, 8), request(Vocabulary.voc(), PromptKind.CLASSIFICATION, null, byName));

        FmaPromptCheckpoint.MismatchException rows = mismatch(context(21, 16, 8), request(Vocabulary.voc(), null, null, null));
        assertThat(rows.differences()).containsExactly(
                "count: the checkpoint has 21 class-specific contexts, vocabulary voc needs 20 classes + 25 background prompts = 45");
        FmaPromptCheckpoint.MismatchException named = mismatch(context(45, 16, 8), request(Vocabulary.voc(), null, null, officialVoc(false)));
        assertThat(named.differences()).hasSize(25).first().isEqualTo("background 0: checkpoint 'ground', vocabulary ''");
        FmaPromptCheckpoint.MismatchException shorter = mismatch(context(16, 8),
                request(Vocabulary.voc(), PromptKind.CLASSIFICATION, null, officialVoc(false).subList(0, 44)));
        assertThat(shorter.differences()).containsExactly(
                "count: the checkpoint's list has 44 entries, vocabulary voc has 20 classes + 25 background prompts = 45");
    }

    @Test
    void nonFiniteContextsAreRefused() {
        FloatTensor ctx = context(16, 8);
        ctx.data()[5] = Float.NaN;
        assertThatThrownBy(() -> FmaPromptCheckpoint.toPromptSet(ctx, request(Vocabulary.voc(), PromptKind.CLASSIFICATION, null, null)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NaN");
    }

    private static FmaPromptCheckpoint.MismatchException mismatch(FloatTensor ctx, FmaPromptCheckpoint.Request request) {
        try {
            FmaPromptCheckpoint.toPromptSet(ctx, request);
        } catch (FmaPromptCheckpoint.MismatchException e) {
            return e;
        }
        throw new AssertionError("expected a mismatch");
    }
}
