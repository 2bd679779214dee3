package com.fmawsss.sams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fmawsss.masks.CocoRle;
import com.fmawsss.tensors.FloatTensor;
import java.util.List;
import org.junit.jupiter.api.Test;
import com.fmawsss.sam.QuasiSuperpixel;

class SamsSeederTest {

    /** A mask from rows of '#' (set) and '.' (unset). */
    private static CocoRle mask(String rows) {
        String[] lines = rows.strip().split("\n");
        int height = lines.length;
        int width = lines[0].strip().length();
        boolean[] pixels = new boolean[height * width];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                pixels[y * width + x] = lines[y].strip().charAt(x) == '#';
            }
        }
        return CocoRle.encode(pixels, height, width);
    }

    private static QuasiSuperpixel qsp(String rows, int level) {
        return new QuasiSuperpixel(mask(rows), level, 0.9f, 0.95f);
    }

    private static MaskDecision decision(int label, float confidence) {
        return new MaskDecision(label, confidence, new float[0], 0f);
    }

    private static String render(int[] labels, int width) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < labels.length; i++) {
            out.append(labels[i]);
            if (i % width == width - 1) {
                out.append('\n');
            }
        }
        return out.toString();
    }

    // ---- painting -------------------------------------------------------------------------

    @Test
    void higherLevelWinsOverlapsWhateverTheConfidence() {
        List<QuasiSuperpixel> masks = List.of(
                qsp("##..\n##..", QuasiSuperpixel.WHOLE),
                qsp(".###\n.###", QuasiSuperpixel.SUBPART));
        int[] labels = SamsSeeder.paint(masks, List.of(decision(1, 0.2f), decision(2, 0.9f)), 2, 4);
        assertThat(render(labels, 4)).isEqualTo("1122\n1122\n");
        // A part mask beats a subpart one too, in either generator order.
        masks = List.of(qsp(".###\n.###", QuasiSuperpixel.PART), qsp("##..\n##..", QuasiSuperpixel.SUBPART));
        labels = SamsSeeder.paint(masks, List.of(decision(2, 0.1f), decision(1, 0.99f)), 2, 4);
        assertThat(render(labels, 4)).isEqualTo("1222\n1222\n");
    }

    @Test
    void equalLevelsHigherConfidenceWins() {
        List<QuasiSuperpixel> masks = List.of(qsp("###.", QuasiSuperpixel.PART), qsp(".###", QuasiSuperpixel.PART));
        // The first mask is painted last because it is more confident.
        int[] labels = SamsSeeder.paint(masks, List.of(decision(1, 0.8f), decision(2, 0.3f)), 1, 4);
        assertThat(render(labels, 4)).isEqualTo("1112\n");
    }

    @Test
    void equalLevelAndConfidenceKeepGeneratorOrderSoTheLaterMaskWins() {
        List<QuasiSuperpixel> masks = List.of(qsp("###.", QuasiSuperpixel.PART), qsp(".###", QuasiSuperpixel.PART));
        assertThat(render(SamsSeeder.paint(masks, List.of(decision(1, 0.5f), decision(2, 0.5f)), 1, 4), 4))
                .isEqualTo("1222\n");
        assertThat(render(SamsSeeder.paint(masks.reversed(), List.of(decision(2, 0.5f), decision(1, 0.5f)), 1, 4), 4))
                .isEqualTo("1112\n");
    }

    @Test
    void backgroundMasksOverwriteLowerPriorityLabelsAndUncoveredPixelsStayZero() {
        List<QuasiSuperpixel> masks = List.of(
                qsp("###..", QuasiSuperpixel.SUBPART),
                qsp(".##..", QuasiSuperpixel.WHOLE));
        int[] labels = SamsSeeder.paint(masks, List.of(decision(3, 0.9f), decision(0, 0.7f)), 1, 5);
        assertThat(render(labels, 5)).isEqualTo("30000\n");
        assertThat(SamsSeeder.paint(List.of(), List.of(), 2, 3)).containsOnly(0);
    }

    // ---- classification -------------------------------------------------------------------

    @Test
    void meansAreMinMaxNormalisedAcrossMasksPerClass() {
        // One class on a 1 x 6 image. Means: A = (1 + 1) / 2 = 1, B = (1 + 0.5) / 2 = 0.75, C = 0.
        FloatTensor scores = FloatTensor.of(new float[] {1f, 1f, 0.5f, 0f, 0f, 0f}, 1, 1, 6);
        List<QuasiSuperpixel> masks = List.of(
                qsp("##....", 1), qsp(".##...", 1), qsp(".....#", 1));
        List<MaskDecision> d = SamsSeeder.classify(masks, scores, 0.6);
        // A: 1 / (1 + 1e-7) just below 1; background (1 - that)^0.6 is tiny.
        assertThat(d.get(0).classScores()).containsExactly(1f / (1f + 1e-7f));
        assertThat(d.get(0).label()).isEqualTo(1);
        assertThat(d.get(0).background()).isCloseTo(7.011e-5f, within(1e-8f));
        // B: 0.75; background 0.25^0.6 = 0.4353 loses.
        assertThat(d.get(1).classScores()[0]).isCloseTo(0.75f, within(1e-6f));
        assertThat(d.get(1).background()).isCloseTo(0.43528f, within(1e-5f));
        assertThat(d.get(1).label()).isEqualTo(1);
        assertThat(d.get(1).confidence()).isEqualTo(d.get(1).classScores()[0]);
        // C: the minimum normalises to 0, background 1 wins with confidence 1.
        assertThat(d.get(2).classScores()).containsExactly(0f);
        assertThat(d.get(2)).isEqualTo(new MaskDecision(0, 1f, new float[] {0f}, 1f));
    }

    @Test
    void negativeScoresAreClippedToZeroBeforeAveraging() {
        // Mask A covers {-5, 2}: mean of the ReLU is 1 (not -1.5); B = {0} -> 0, C = {4} -> 4.
        FloatTensor scores = FloatTensor.of(new float[] {-5f, 2f, 0f, 4f}, 1, 1, 4);
        List<MaskDecision> d = SamsSeeder.classify(
                List.of(qsp("##..", 0), qsp("..#.", 0), qsp("...#", 0)), scores, 1.0);
        // 4 + 1e-7 rounds to 4 in float, so A = 1 / 4 exactly.
        assertThat(d.get(0).classScores()).containsExactly(0.25f);
        assertThat(d.get(0).background()).isEqualTo(0.75f);
        assertThat(d.get(0).label()).isZero();
    }

    @Test
    void tieBetweenBackgroundAndAClassGoesToBackground() {
        // alpha = 1: bg = 1 - s. Means 0, 2, 4 -> s = 0, 0.5, 1 exactly; the middle mask ties 0.5 / 0.5.
        FloatTensor scores = FloatTensor.of(new float[] {0f, 2f, 4f}, 1, 1, 3);
        List<MaskDecision> d = SamsSeeder.classify(List.of(qsp("#..", 0), qsp(".#.", 0), qsp("..#", 0)), scores, 1.0);
        assertThat(d.get(1).classScores()).containsExactly(0.5f);
        assertThat(d.get(1).background()).isEqualTo(0.5f);
        assertThat(d.get(1).label()).isZero();
        assertThat(d.get(1).confidence()).isEqualTo(0.5f);
        assertThat(d.get(2).label()).isEqualTo(1);
        assertThat(d.get(2).confidence()).isEqualTo(1f);
        assertThat(d.get(2).background()).isZero();
    }

    @Test
    void tieBetweenClassesGoesToTheLowerClass() {
        float[] map = {0f, 2f, 4f};
        float[] twice = new float[6];
        System.arraycopy(map, 0, twice, 0, 3);
        System.arraycopy(map, 0, twice, 3, 3);
        List<MaskDecision> d = SamsSeeder.classify(
                List.of(qsp("#..", 0), qsp("..#", 0)), FloatTensor.of(twice, 2, 1, 3), 0.6);
        assertThat(d.get(1).classScores()).containsExactly(1f, 1f);
        assertThat(d.get(1).label()).isEqualTo(1);
    }

    @Test
    void alphaMovesTheBackgroundThreshold() {
        // s = 2.32 / 4 = 0.58: coarse bg 0.42^0.6 = 0.5942 > 0.58, fine bg 0.42^0.7 = 0.5448 < 0.58.
        FloatTensor scores = FloatTensor.of(new float[] {0f, 2.32f, 4f}, 1, 1, 3);
        List<QuasiSuperpixel> masks = List.of(qsp("#..", 0), qsp(".#.", 0), qsp("..#", 0));
        MaskDecision coarse = SamsSeeder.classify(masks, scores, SamsSeeder.ALPHA_COARSE).get(1);
        MaskDecision fine = SamsSeeder.classify(masks, scores, SamsSeeder.ALPHA_FINE).get(1);
        assertThat(coarse.classScores()).containsExactly(0.58f);
        assertThat(coarse.background()).isCloseTo(0.594223f, within(1e-6f));
        assertThat(coarse.label()).isZero();
        assertThat(fine.background()).isCloseTo(0.544847f, within(1e-6f));
        assertThat(fine.label()).isEqualTo(1);
        assertThat(fine.confidence()).isEqualTo(0.58f);
    }

    @Test
    void zeroAreaMasksHaveMeanZeroAndTakePartInTheMinMax() {
        // Means: {3}, {5} and the empty mask 0 -> min 0, max 5: the first mask gets 3 / 5, not 0.
        FloatTensor scores = FloatTensor.of(new float[] {3f, 5f}, 1, 1, 2);
        List<QuasiSuperpixel> masks = List.of(qsp("#.", 0), qsp(".#", 0), qsp("..", 2));
        SeedMap seeds = SamsSeeder.seed(masks, scores, 0.6);
        assertThat(seeds.decisions().get(0).classScores()).containsExactly(0.6f);
        assertThat(seeds.decisions().get(2)).isEqualTo(new MaskDecision(0, 1f, new float[] {0f}, 1f));
        // 0.4^0.6 = 0.577 < 0.6, so the first mask is class 0 (label 1).
        assertThat(seeds.labels()).containsExactly(1, 1);
    }

    // ---- whole pipeline -------------------------------------------------------------------

    @Test
    void seedMapOfOverlappingMasks() {
        // Class 0 lives on the left, class 1 on the right of a 2 x 4 image.
        float[] left = {1f, 1f, 0f, 0f, 1f, 1f, 0f, 0f};
        float[] right = {0f, 0f, 1f, 1f, 0f, 0f, 1f, 1f};
        float[] both = new float[16];
        System.arraycopy(left, 0, both, 0, 8);
        System.arraycopy(right, 0, both, 8, 8);
        FloatTensor scores = FloatTensor.of(both, 2, 2, 4);
        List<QuasiSuperpixel> masks = List.of(
                qsp("##..\n##..", QuasiSuperpixel.SUBPART),
                qsp(".###\n.###", QuasiSuperpixel.WHOLE),
                qsp("....\n....", QuasiSuperpixel.PART));
        SeedMap seeds = SamsSeeder.seed(masks, scores, SamsSeeder.ALPHA_COARSE);
        assertThat(seeds.width()).isEqualTo(4);
        assertThat(seeds.height()).isEqualTo(2);
        assertThat(seeds.decisions()).extracting(MaskDecision::label).containsExactly(1, 2, 0);
        // The whole mask (class 1 -> label 2) takes the overlap column.
        assertThat(render(seeds.labels(), 4)).isEqualTo("1222\n1222\n");
        assertThat(seeds.labelAt(0, 1)).isEqualTo(1);
        // Same masks, but the left one is the whole one.
        masks = List.of(qsp("##..\n##..", QuasiSuperpixel.WHOLE), qsp(".###\n.###", QuasiSuperpixel.SUBPART));
        assertThat(render(SamsSeeder.seed(masks, scores, 0.6).labels(), 4)).isEqualTo("1122\n1122\n");
    }

    @Test
    void aSingleMaskIsBackgroundBecauseMinMaxOverOneMaskIsZero() {
        FloatTensor scores = FloatTensor.of(new float[] {9f, 9f, 9f, 9f}, 1, 2, 2);
        SeedMap seeds = SamsSeeder.seed(List.of(qsp("##\n#.", 2)), scores, 0.6);
        assertThat(seeds.decisions()).containsExactly(new MaskDecision(0, 1f, new float[] {0f}, 1f));
        assertThat(seeds.labels()).containsOnly(0);
    }

    @Test
    void noMasksOrNoClassesGiveAllBackground() {
        SeedMap empty = SamsSeeder.seed(List.of(), FloatTensor.of(new float[12], 2, 2, 3), 0.6);
        assertThat(empty.labels()).hasSize(6).containsOnly(0);
        assertThat(empty.decisions()).isEmpty();
        SeedMap noClasses = SamsSeeder.seed(List.of(qsp("#.\n..", 0), qsp("##\n##", 1)),
                FloatTensor.of(new float[0], 0, 2, 2), 0.7);
        assertThat(noClasses.labels()).containsOnly(0);
        assertThat(noClasses.decisions()).extracting(MaskDecision::confidence).containsExactly(1f, 1f);
    }

    @Test
    void rejectsInvalidInputs() {
        FloatTensor scores = FloatTensor.of(new float[4], 1, 2, 2);
        assertThatThrownBy(() -> SamsSeeder.seed(List.of(qsp("###", 0)), scores, 0.6))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("mask 0 is 1x3 but the scores are 2x2");
        assertThatThrownBy(() -> SamsSeeder.seed(List.of(), scores, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("alpha");
        assertThatThrownBy(() -> SamsSeeder.seed(List.of(), scores, Double.NaN))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("alpha");
        assertThatThrownBy(() -> SamsSeeder.seed(List.of(), FloatTensor.of(new float[] {0f, Float.NaN}, 1, 1, 2), 0.6))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("finite");
        assertThatThrownBy(() -> SamsSeeder.seed(List.of(), FloatTensor.of(new float[4], 2, 2), 0.6))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[P, H, W]");
        assertThatThrownBy(() -> new QuasiSuperpixel(mask("#"), 3, 1f, 1f))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("level");
    }
}
