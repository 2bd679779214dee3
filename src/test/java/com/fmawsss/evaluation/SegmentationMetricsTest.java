package com.fmawsss.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fmawsss.image.LabelMap;
import com.fmawsss.prompts.Vocabulary;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class SegmentationMetricsTest {

    /** A 20x10 map with label {@code label} on columns {@code [x0, x1)}, background elsewhere. */
    private static int[] band(int x0, int x1, int label) {
        int[] labels = new int[200];
        for (int y = 0; y < 10; y++) {
            for (int x = x0; x < x1; x++) {
                labels[y * 20 + x] = label;
            }
        }
        return labels;
    }

    @Test
    void perfectPredictionScoresOne() {
        int[] truth = band(3, 12, 15);
        truth[0] = 255;
        ConfusionMatrix matrix = new ConfusionMatrix(21).add(truth, band(3, 12, 15));

        SegmentationMetrics metrics = SegmentationMetrics.of(matrix, Vocabulary.voc());

        assertThat(metrics.meanIou()).isEqualTo(1.0);
        assertThat(metrics.pixelAccuracy()).isEqualTo(1.0);
        assertThat(metrics.countedClasses()).isEqualTo(2);
        assertThat(metrics.classes()).hasSize(21);
        assertThat(metrics.classes().get(15)).isEqualTo(new ClassIou(15, "person", 1.0, 90, 90, 90));
        assertThat(metrics.classes().getFirst()).isEqualTo(new ClassIou(0, "background", 1.0, 109, 109, 109));
        assertThat(metrics.classes().get(1).counted()).isFalse();
        assertThat(metrics.classes().get(1).iou()).isNaN();
    }

    @Test
    void halfShiftedRectangle() {
        // truth: class 1 on columns [0,10) = 100 px; prediction shifted by 5 to [5,15).
        // class 1: TP 50, union 100 + 100 - 50 = 150 -> 1/3; background: TP 50 (columns 15-19),
        // union 150 -> 1/3; accuracy 100 / 200.
        ConfusionMatrix matrix = new ConfusionMatrix(3).add(band(0, 10, 1), band(5, 15, 1));

        SegmentationMetrics metrics = SegmentationMetrics.of(matrix, List.of("background", "a", "b"));

        assertThat(matrix.toArray()).isEqualTo(new long[][] {{50, 50, 0}, {50, 50, 0}, {0, 0, 0}});
        assertThat(metrics.classes().get(1).iou()).isEqualTo(1.0 / 3.0);
        assertThat(metrics.classes().get(0).iou()).isEqualTo(1.0 / 3.0);
        assertThat(metrics.meanIou()).isCloseTo(1.0 / 3.0, within(1e-15));
        assertThat(metrics.pixelAccuracy()).isEqualTo(0.5);
        assertThat(metrics.countedClasses()).isEqualTo(2); // class b: no union, not averaged
    }

    @Test
    void ignoredPixelsAndPredictedOnlyClasses() {
        int[] truth = band(0, 10, 1);
        int[] prediction = band(0, 10, 1);
        Arrays.fill(truth, 0, 20, 255); // first row ignored ...
        Arrays.fill(prediction, 0, 20, 2); // ... so this wrong prediction does not count
        prediction[199] = 2; // one background pixel predicted as class 2: IoU 0, counted

        SegmentationMetrics metrics = SegmentationMetrics.of(new ConfusionMatrix(3).add(truth, prediction),
                List.of("background", "a", "b"));

        assertThat(metrics.classes()).extracting(ClassIou::iou).containsExactly(89.0 / 90.0, 1.0, 0.0);
        assertThat(metrics.classes().get(2)).isEqualTo(new ClassIou(2, "b", 0.0, 0, 1, 0));
        assertThat(metrics.meanIou()).isEqualTo((89.0 / 90.0 + 1.0 + 0.0) / 3);
        assertThat(metrics.pixelAccuracy()).isEqualTo(179.0 / 180.0);
    }

    @Test
    void mergeEqualsAddingEverything() {
        int[] t1 = band(0, 10, 1);
        int[] p1 = band(5, 15, 1);
        int[] t2 = band(2, 4, 2);
        int[] p2 = band(2, 6, 2);
        ConfusionMatrix left = new ConfusionMatrix(3).add(t1, p1);
        ConfusionMatrix right = new ConfusionMatrix(3).add(t2, p2);
        ConfusionMatrix both = new ConfusionMatrix(3).add(t1, p1).add(t2, p2);

        assertThat(left.merge(right).toArray()).isEqualTo(both.toArray());
        assertThat(left.total()).isEqualTo(400);
        assertThat(left.groundTruthPixels(2)).isEqualTo(20);
        assertThat(left.predictedPixels(2)).isEqualTo(40);
    }

    @Test
    void labelMapsAndEmptyMatrices() {
        LabelMap truth = new LabelMap(20, 10, band(0, 10, 1));
        ConfusionMatrix matrix = new ConfusionMatrix(2).add(truth, truth);
        assertThat(SegmentationMetrics.of(matrix, List.of("bg", "x")).meanIou()).isEqualTo(1.0);

        SegmentationMetrics empty = SegmentationMetrics.of(new ConfusionMatrix(2), List.of("bg", "x"));
        assertThat(empty.meanIou()).isNaN();
        assertThat(empty.pixelAccuracy()).isNaN();
        assertThat(empty.countedClasses()).isZero();
    }

    @Test
    void rejectsInvalidInput() {
        ConfusionMatrix matrix = new ConfusionMatrix(3);
        assertThatThrownBy(() -> matrix.add(new int[] {0, 3}, new int[] {0, 0}))
                .hasMessageContaining("ground-truth label 3 at pixel 1");
        assertThatThrownBy(() -> matrix.add(new int[] {0, 1}, new int[] {0, 7}))
                .hasMessageContaining("predicted label 7 at pixel 1");
        assertThatThrownBy(() -> matrix.add(new int[] {0}, new int[] {0, 0})).hasMessageContaining("1 pixels");
        assertThatThrownBy(() -> matrix.merge(new ConfusionMatrix(4))).hasMessageContaining("cannot merge");
        assertThatThrownBy(() -> SegmentationMetrics.of(matrix, List.of("bg"))).hasMessageContaining("1 names for 3");
        assertThat(matrix.total()).isZero(); // nothing counted by the rejected calls
        // A prediction of 255 where the truth is ignored is fine.
        assertThat(matrix.add(new int[] {255}, new int[] {255}).total()).isZero();
    }

    @Test
    void tableListsNamesIouAndPixels() {
        ConfusionMatrix matrix = new ConfusionMatrix(3).add(band(0, 10, 1), band(5, 15, 1));

        String table = SegmentationMetrics.of(matrix, List.of("background", "a", "b")).table();

        assertThat(table).isEqualTo("""
                class               IoU %      gt pixels
                background          33.33            100
                a                   33.33            100
                b                       -              0
                mIoU 33.33 over 2 classes, pixel accuracy 50.00
                """);
    }
}
