package com.fmawsss.datasets;

import static com.fmawsss.datasets.SyntheticDatasets.jpeg;
import static com.fmawsss.datasets.SyntheticDatasets.palettePng;
import static com.fmawsss.datasets.SyntheticDatasets.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fmawsss.image.LabelMap;
import com.fmawsss.datasets.SyntheticDatasets.Canvas;
import com.fmawsss.evaluation.ClassIou;
import com.fmawsss.evaluation.ConfusionMatrix;
import com.fmawsss.evaluation.SegmentationMetrics;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ground truth read from a VOC layout, scored against known predictions. */
class DatasetEvaluationTest {

    @Test
    void scoresPerfectAndShiftedPredictions(@TempDir Path root) {
        // 40x30: person [5,15) x [5,13) = 80 px, dog disc r 6 = 113 px inside a 255 ring of 36 px.
        Canvas truth = new Canvas(40, 30).rect(5, 5, 15, 13, 15).disc(28, 18, 7, 255).disc(28, 18, 6, 12);
        jpeg(root.resolve("JPEGImages/a.jpg"), truth);
        palettePng(root.resolve("SegmentationClass/a.png"), truth);
        text(root.resolve("ImageSets/Segmentation/val.txt"), "a\n");
        Dataset dataset = VocDataset.open(root, "val");
        LabelMap gt = dataset.groundTruth(dataset.samples().getFirst()).orElseThrow();

        // Perfect: the ring's 255 becomes background in the prediction; it is not scored.
        Canvas perfect = new Canvas(40, 30).rect(5, 5, 15, 13, 15).disc(28, 18, 6, 12);
        SegmentationMetrics exact = SegmentationMetrics.of(
                new ConfusionMatrix(21).add(gt, new LabelMap(40, 30, perfect.labels)), dataset.vocabulary());
        assertThat(exact.meanIou()).isEqualTo(1.0);
        assertThat(exact.countedClasses()).isEqualTo(3);

        // Person shifted right by 5: TP 40, union 120 -> 1/3. Background: 971 gt px, 971 predicted,
        // 40 of them now person -> TP 931, union 1011. Dog unchanged -> 1.
        Canvas shifted = new Canvas(40, 30).rect(10, 5, 20, 13, 15).disc(28, 18, 6, 12);
        SegmentationMetrics metrics = SegmentationMetrics.of(
                new ConfusionMatrix(21).add(gt, new LabelMap(40, 30, shifted.labels)), dataset.vocabulary());
        assertThat(metrics.classes().get(15)).isEqualTo(new ClassIou(15, "person", 1.0 / 3.0, 80, 80, 40));
        assertThat(metrics.classes().get(0)).isEqualTo(new ClassIou(0, "background", 931.0 / 1011.0, 971, 971, 931));
        assertThat(metrics.classes().get(12).iou()).isEqualTo(1.0);
        assertThat(metrics.meanIou()).isCloseTo((931.0 / 1011.0 + 1.0 / 3.0 + 1.0) / 3, within(1e-15));
        assertThat(metrics.pixelAccuracy()).isEqualTo((931.0 + 40 + 113) / 1164);
    }
}
