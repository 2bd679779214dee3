package com.fmawsss.sam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fmawsss.DemoBundleFixture;
import com.fmawsss.PythonReference;
import com.fmawsss.cam.SyntheticImages;
import com.fmawsss.image.RgbImage;
import com.fmawsss.masks.CocoRleCodec;
import com.fmawsss.progress.Progress;
import com.fmawsss.tensors.Npy;
import com.fmawsss.tensors.NpyArray;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A click's four masks vs. {@code models/reference/sam_predictor_reference.py} (segment-anything's
 * {@code SamPredictor} steps over the HF {@code SamModel} of the demo bundle, run eagerly): the same
 * pixels wherever the reference logit is decisive, predicted IoU and stability within float noise,
 * for non-square images in both orientations, one click, several clicks, a box, and clicks with a box.
 */
class PromptReferenceEquivalenceTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    record Case(RgbImage image, SamPrompt prompt) {}

    static Map<String, Case> cases() {
        Map<String, Case> cases = new LinkedHashMap<>();
        cases.put("one-click-landscape", new Case(SyntheticImages.discs(160, 96, 51),
                new SamPrompt(List.of(new SamPrompt.Point(40.5, 30.25, true)), null)));
        cases.put("clicks-portrait", new Case(SyntheticImages.discs(90, 150, 52), new SamPrompt(List.of(
                new SamPrompt.Point(30, 50, true), new SamPrompt.Point(60.7, 120.2, true), new SamPrompt.Point(5, 8, false)),
                null)));
        cases.put("box", new Case(SyntheticImages.discs(128, 100, 53),
                new SamPrompt(List.of(), new SamPrompt.Box(20, 10, 100.5, 70))));
        cases.put("box-and-clicks", new Case(SyntheticImages.discs(140, 70, 54), new SamPrompt(List.of(
                new SamPrompt.Point(70, 35, true), new SamPrompt.Point(10, 60, false)), new SamPrompt.Box(30, 5, 120, 65))));
        return cases;
    }

    @Test
    void allFourMasksScoresAndTheRecommendedOneMatchSamPredictor(@TempDir Path dir) throws Exception {
        QuasiSuperpixelService sam = new QuasiSuperpixelService(DemoBundleFixture.bundle(), 0, null, 64L << 20);
        Map<String, PromptMasks> answers = new LinkedHashMap<>();
        for (var e : cases().entrySet()) {
            PromptReference.writeCase(dir, e.getKey(), e.getValue().image(), e.getValue().prompt());
            answers.put(e.getKey(), sam.prompts().segment(e.getValue().image(), "sha-" + e.getKey(), e.getValue().prompt(),
                    Progress.NONE));
        }
        PromptReference.run(dir);
        for (var e : answers.entrySet()) {
            JsonNode reference = PromptReference.answer(dir, e.getKey());
            PromptMasks answer = e.getValue();
            long foreground = 0;
            for (int k = 0; k < 4; k++) {
                assertThat(PromptReference.decisiveDifferences(reference, k, answer.masks().get(k), answer.height(), answer.width()))
                        .as("%s mask %d", e.getKey(), k).isZero();
                assertThat(answer.predictedIou()[k]).as("%s iou %d", e.getKey(), k)
                        .isCloseTo((float) reference.path("iou").get(k).asDouble(), within(1e-4f));
                double stability = reference.path("stability").get(k).asDouble();
                if (!Double.isNaN(stability)) {
                    assertThat(answer.stability()[k]).as("%s stability %d", e.getKey(), k)
                            .isCloseTo((float) stability, within(1e-3f));
                }
                for (boolean on : answer.masks().get(k)) {
                    foreground += on ? 1 : 0;
                }
            }
            assertThat(foreground).as("%s has masks to compare", e.getKey()).isPositive();
        }
        // SAM's tool rule: one click or a box alone -> best multimask output; more prompt points -> output 0.
        assertThat(answers.get("one-click-landscape").recommended()).isBetween(1, 3);
        assertThat(answers.get("box").recommended()).isBetween(1, 3);
        assertThat(answers.get("clicks-portrait").recommended()).isZero();
        assertThat(answers.get("box-and-clicks").recommended()).isZero();
        PromptMasks one = answers.get("one-click-landscape");
        float[] iou = one.predictedIou();
        assertThat(iou[one.recommended()]).isEqualTo(Math.max(iou[1], Math.max(iou[2], iou[3])));
    }

    @Test
    void theSecondClickOnAnImageReusesItsEmbedding() {
        QuasiSuperpixelService sam = new QuasiSuperpixelService(DemoBundleFixture.bundle(), 0, null, 64L << 20);
        Case c = cases().get("one-click-landscape");
        long before = sam.predictor().encoderRuns();
        PromptMasks first = sam.prompts().segment(c.image(), "same-image", c.prompt(), Progress.NONE);
        PromptMasks second = sam.prompts().segment(c.image(), "same-image", c.prompt(), Progress.NONE);
        assertThat(sam.predictor().encoderRuns() - before).isEqualTo(1);
        assertThat(first.embeddingCached()).isFalse();
        assertThat(second.embeddingCached()).isTrue();
        assertThat(second.masks().get(second.recommended())).isEqualTo(first.masks().get(first.recommended()));
        assertThat(sam.embeddings().hits()).isEqualTo(1);
        assertThat(sam.embeddings().bytes()).isPositive();
        // Another image (hash) needs its own pass; an unkept budget keeps nothing.
        sam.prompts().segment(c.image(), "other-image", c.prompt(), Progress.NONE);
        assertThat(sam.predictor().encoderRuns() - before).isEqualTo(2);
        QuasiSuperpixelService unkept = new QuasiSuperpixelService(DemoBundleFixture.bundle(), 0, null, 0);
        unkept.prompts().segment(c.image(), "same-image", c.prompt(), Progress.NONE);
        assertThat(unkept.prompts().segment(c.image(), "same-image", c.prompt(), Progress.NONE).embeddingCached()).isFalse();
    }
}
