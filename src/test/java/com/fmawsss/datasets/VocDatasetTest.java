package com.fmawsss.datasets;

import static com.fmawsss.datasets.SyntheticDatasets.greyPng;
import static com.fmawsss.datasets.SyntheticDatasets.jpeg;
import static com.fmawsss.datasets.SyntheticDatasets.palettePng;
import static com.fmawsss.datasets.SyntheticDatasets.text;
import static com.fmawsss.datasets.SyntheticDatasets.vocXml;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fmawsss.image.LabelMap;
import com.fmawsss.prompts.Vocabulary;
import com.fmawsss.datasets.DatasetProblem.Kind;
import com.fmawsss.datasets.SyntheticDatasets.Canvas;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VocDatasetTest {

    // VOC labels: aeroplane 1, car 7, cat 8, dog 12, person 15 (vocabulary index = label - 1).
    private static final int AEROPLANE = 1;
    private static final int CAT = 8;
    private static final int DOG = 12;
    private static final int PERSON = 15;

    /** Person rectangle (10x8 = 80 px) and a dog disc (r 6: 113 px) with a 255 boundary ring (r 7: 36 px). */
    private static Canvas personAndDog() {
        return new Canvas(40, 30).rect(5, 5, 15, 13, PERSON).disc(28, 18, 7, 255).disc(28, 18, 6, DOG);
    }

    private static Canvas cat() {
        return new Canvas(32, 24).rect(0, 0, 16, 24, CAT);
    }

    @Test
    void readsIdListsWithPaletteMasksAndXmlFallback(@TempDir Path root) {
        Canvas first = personAndDog();
        Canvas second = cat();
        jpeg(root.resolve("JPEGImages/2007_000001.jpg"), first);
        palettePng(root.resolve("SegmentationClass/2007_000001.png"), first);
        jpeg(root.resolve("JPEGImages/2007_000002.jpg"), second);
        palettePng(root.resolve("SegmentationClass/2007_000002.png"), second);
        jpeg(root.resolve("JPEGImages/2007_000003.jpg"), new Canvas(20, 20));
        vocXml(root.resolve("Annotations/2007_000003.xml"), "2007_000003", List.of("car", "person", "car"));
        // An XML next to a mask is ignored: labels come from the mask.
        vocXml(root.resolve("Annotations/2007_000002.xml"), "2007_000002", List.of("bus"));
        text(root.resolve("ImageSets/Segmentation/train.txt"), "2007_000001\n\n2007_000002\n2007_000003\n");

        VocDataset dataset = VocDataset.open(root, "train");

        assertThat(dataset.problems()).isEmpty();
        assertThat(dataset.format()).isEqualTo(DatasetFormat.VOC);
        assertThat(dataset.samples()).extracting(TrainingSample::id)
                .containsExactly("2007_000001", "2007_000002", "2007_000003");
        assertThat(dataset.samples()).extracting(TrainingSample::labels)
                .containsExactly(List.of(DOG - 1, PERSON - 1), List.of(CAT - 1), List.of(6, 14));
        assertThat(Vocabulary.voc().classNames().get(6)).isEqualTo("car");
        TrainingSample sample = dataset.samples().getFirst();
        assertThat(sample.image()).isEqualTo(root.resolve("JPEGImages/2007_000001.jpg"));
        assertThat(sample.mask()).contains(root.resolve("SegmentationClass/2007_000001.png"));
        assertThat(sample.source()).isEqualTo("train.txt:1");
        assertThat(dataset.samples().get(1).source()).isEqualTo("train.txt:3");

        LabelMap truth = dataset.groundTruth(sample).orElseThrow();
        assertThat(truth.width()).isEqualTo(40);
        assertThat(truth.labels()).isEqualTo(first.labels);
        assertThat(count(truth, PERSON)).isEqualTo(80);
        assertThat(count(truth, DOG)).isEqualTo(113);
        assertThat(count(truth, 255)).isEqualTo(36);
        assertThat(count(truth, 0)).isEqualTo(40 * 30 - 80 - 113 - 36);
        assertThat(dataset.groundTruth(dataset.samples().get(2))).isEmpty();
        assertThat(DatasetValidator.validate(dataset).isValid()).isTrue();
    }

    @Test
    void trainAugAcceptsPairsAndIdsAndPrefersAugMasks(@TempDir Path root) {
        Canvas plain = personAndDog();
        Canvas aug = personAndDog().rect(0, 20, 10, 30, AEROPLANE);
        jpeg(root.resolve("JPEGImages/2007_000001.jpg"), plain);
        palettePng(root.resolve("SegmentationClass/2007_000001.png"), plain);
        greyPng(root.resolve("SegmentationClassAug/2007_000001.png"), aug);
        jpeg(root.resolve("JPEGImages/2008_000002.jpg"), cat());
        greyPng(root.resolve("SegmentationClassAug/2008_000002.png"), cat());
        text(root.resolve("ImageSets/Segmentation/train_aug.txt"),
                "/JPEGImages/2007_000001.jpg /SegmentationClassAug/2007_000001.png\n2008_000002\n");
        text(root.resolve("ImageSets/Segmentation/train.txt"), "2007_000001\n");

        VocDataset augmented = VocDataset.open(root, "train_aug");

        assertThat(augmented.problems()).isEmpty();
        assertThat(augmented.samples()).extracting(TrainingSample::id).containsExactly("2007_000001", "2008_000002");
        assertThat(augmented.samples()).extracting(TrainingSample::mask).containsExactly(
                Optional.of(root.resolve("SegmentationClassAug/2007_000001.png")),
                Optional.of(root.resolve("SegmentationClassAug/2008_000002.png")));
        assertThat(augmented.samples().getFirst().labels()).containsExactly(AEROPLANE - 1, DOG - 1, PERSON - 1);
        assertThat(augmented.groundTruth(augmented.samples().getFirst()).orElseThrow().labels()).isEqualTo(aug.labels);
        // The plain split prefers SegmentationClass.
        VocDataset plainSplit = VocDataset.open(root, "train");
        assertThat(plainSplit.samples().getFirst().mask()).contains(root.resolve("SegmentationClass/2007_000001.png"));
        assertThat(plainSplit.samples().getFirst().labels()).containsExactly(DOG - 1, PERSON - 1);
    }

    @Test
    void xmlParserRefusesExternalEntities(@TempDir Path root) throws Exception {
        Path secret = root.resolve("secret.txt");
        Files.writeString(secret, "dog");
        jpeg(root.resolve("JPEGImages/x.jpg"), new Canvas(8, 8));
        text(root.resolve("Annotations/x.xml"), "<?xml version=\"1.0\"?>\n"
                + "<!DOCTYPE annotation [<!ENTITY e SYSTEM \"" + secret.toUri() + "\">]>\n"
                + "<annotation><object><name>&e;</name></object></annotation>\n");
        text(root.resolve("ImageSets/Segmentation/train.txt"), "x\n");

        VocDataset dataset = VocDataset.open(root, "train");

        assertThat(dataset.samples().getFirst().labels()).isEmpty();
        assertThat(dataset.problems()).extracting(DatasetProblem::kind).containsExactly(Kind.UNREADABLE_LINE);
        assertThat(dataset.problems().getFirst().message()).contains("DOCTYPE");
    }

    @Test
    void validationListsEveryProblemWithCounts(@TempDir Path root) {
        Canvas good = cat();
        jpeg(root.resolve("JPEGImages/ok.jpg"), good);
        palettePng(root.resolve("SegmentationClass/ok.png"), good);
        palettePng(root.resolve("SegmentationClass/noimage.png"), good); // image missing
        jpeg(root.resolve("JPEGImages/pair.jpg"), good); // pair names a mask that is missing
        jpeg(root.resolve("JPEGImages/nothing.jpg"), good); // neither mask nor XML
        Canvas odd = new Canvas(32, 24).rect(0, 0, 4, 4, 30).rect(4, 4, 8, 8, CAT);
        jpeg(root.resolve("JPEGImages/odd.jpg"), odd);
        palettePng(root.resolve("SegmentationClass/odd.png"), odd); // label 30 is no VOC class
        jpeg(root.resolve("JPEGImages/blank.jpg"), good);
        palettePng(root.resolve("SegmentationClass/blank.png"), new Canvas(32, 24)); // background only
        text(root.resolve("SegmentationClass/corrupt.png"), "not a png");
        jpeg(root.resolve("JPEGImages/corrupt.jpg"), good);
        text(root.resolve("ImageSets/Segmentation/val.txt"), String.join("\n",
                "ok", "noimage", "/JPEGImages/pair.jpg /SegmentationClass/pair.png", "nothing", "a b c",
                "/../escape.jpg /SegmentationClass/ok.png", "odd", "blank", "corrupt", "ok", ""));

        ValidationReport report = DatasetValidator.validate(VocDataset.open(root, "val"));

        assertThat(report.isValid()).isFalse();
        assertThat(report.samples()).isEqualTo(8);
        assertThat(report.counts()).isEqualTo(Map.of(
                Kind.UNREADABLE_LINE, 1L, Kind.UNKNOWN_CLASS, 1L, Kind.PATH_OUTSIDE_ROOT, 1L, Kind.MISSING_IMAGE, 1L,
                Kind.MISSING_MASK, 2L, Kind.UNREADABLE_MASK, 1L, Kind.EMPTY_LABELS, 4L, Kind.DUPLICATE_ID, 1L));
        assertThat(report.problems()).extracting(DatasetProblem::location).contains(
                "val.txt:5", "val.txt:6", "noimage (val.txt:2)", "pair (val.txt:3)", "nothing (val.txt:4)",
                "odd (val.txt:7)", "blank (val.txt:8)", "corrupt (val.txt:9)", "ok (val.txt:10)");
        assertThat(report.warnings()).extracting(DatasetProblem::kind).containsExactly(Kind.DUPLICATE_ID);
        assertThat(report.errors()).hasSize(11);
        assertThatThrownBy(report::requireValid).isInstanceOf(InvalidDatasetException.class)
                .hasMessageContaining("8 samples, 11 errors, 1 warning")
                .hasMessageContaining("MISSING_MASK (2):")
                .hasMessageContaining("pair (val.txt:3): no file")
                .hasMessageContaining("odd (val.txt:7): mask label 30 is not a class of vocabulary voc");
    }

    @Test
    void missingSplitListIsReported(@TempDir Path root) {
        ValidationReport report = DatasetValidator.validate(VocDataset.open(root, "train_aug"));

        assertThat(report.counts()).isEqualTo(Map.of(Kind.MISSING_INDEX, 1L, Kind.EMPTY_DATASET, 1L));
        assertThat(report.problems().getFirst().location()).isEqualTo("ImageSets/Segmentation/train_aug.txt");
        assertThat(DatasetValidator.validate(VocDataset.open(root, "../etc")).counts())
                .containsEntry(Kind.MISSING_INDEX, 1L);
    }

    private static long count(LabelMap map, int label) {
        long n = 0;
        for (int l : map.labels()) {
            n += l == label ? 1 : 0;
        }
        return n;
    }
}
