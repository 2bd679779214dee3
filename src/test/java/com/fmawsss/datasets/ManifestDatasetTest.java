package com.fmawsss.datasets;

import static com.fmawsss.datasets.SyntheticDatasets.greyPng;
import static com.fmawsss.datasets.SyntheticDatasets.jpeg;
import static com.fmawsss.datasets.SyntheticDatasets.palettePng;
import static com.fmawsss.datasets.SyntheticDatasets.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.fmawsss.prompts.Vocabulary;
import com.fmawsss.datasets.DatasetProblem.Kind;
import com.fmawsss.datasets.SyntheticDatasets.Canvas;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ManifestDatasetTest {

    @Test
    void resolvesNamesPathsAndMaskLabels(@TempDir Path dir) {
        Canvas first = new Canvas(24, 16).rect(2, 2, 10, 10, 15).disc(18, 8, 3, 8);
        jpeg(dir.resolve("img/a.jpg"), first);
        palettePng(dir.resolve("masks/a.png"), first);
        Canvas second = new Canvas(20, 20).rect(0, 0, 5, 5, 12);
        jpeg(dir.resolve("img/b.jpg"), second);
        greyPng(dir.resolve("masks/b.png"), second);
        jpeg(dir.resolve("img/c.jpg"), new Canvas(20, 20));
        text(dir.resolve("train.jsonl"), String.join("\n",
                "{\"image\": \"img/a.jpg\", \"labels\": [\"Person\", \" cat \"], \"mask\": \"masks/a.png\"}",
                "",
                "{\"image\": \"img/b.jpg\", \"mask\": \"masks/b.png\", \"id\": \"second\"}",
                "{\"image\": \"./img/../img/c.jpg\", \"labels\": [\"tvmonitor\", \"person\", \"person\"], \"mask\": null}",
                ""));

        ManifestDataset dataset = ManifestDataset.open(dir.resolve("train.jsonl"));

        assertThat(dataset.problems()).isEmpty();
        assertThat(dataset.vocabulary()).isEqualTo(Vocabulary.voc());
        assertThat(dataset.samples()).extracting(TrainingSample::id).containsExactly("a", "second", "c");
        // person 14, cat 7, dog 11 (from b's mask), tvmonitor 19
        assertThat(dataset.samples()).extracting(TrainingSample::labels)
                .containsExactly(List.of(7, 14), List.of(11), List.of(14, 19));
        assertThat(dataset.samples()).extracting(TrainingSample::source)
                .containsExactly("train.jsonl:1", "train.jsonl:3", "train.jsonl:4");
        TrainingSample a = dataset.samples().getFirst();
        assertThat(a.image()).isEqualTo(dir.toAbsolutePath().resolve("img/a.jpg"));
        assertThat(a.mask()).contains(dir.toAbsolutePath().resolve("masks/a.png"));
        assertThat(dataset.groundTruth(a).orElseThrow().labels()).isEqualTo(first.labels);
        assertThat(dataset.samples().get(2).mask()).isEmpty();
        assertThat(dataset.groundTruth(dataset.samples().get(2))).isEmpty();
        assertThat(DatasetValidator.validate(dataset, 3).problems()).isEmpty();
    }

    @Test
    void usesAGivenVocabulary(@TempDir Path dir) {
        jpeg(dir.resolve("x.jpg"), new Canvas(8, 8));
        text(dir.resolve("m.jsonl"), "{\"image\": \"x.jpg\", \"labels\": [\"toothbrush\", \"traffic light\"]}\n");

        ManifestDataset dataset = ManifestDataset.open(dir.resolve("m.jsonl"), Vocabulary.coco());

        assertThat(dataset.samples().getFirst().labels()).containsExactly(9, 79);
        assertThat(ManifestDataset.open(dir.resolve("m.jsonl")).problems()).extracting(DatasetProblem::kind)
                .containsExactly(Kind.UNKNOWN_CLASS, Kind.UNKNOWN_CLASS);
    }

    @Test
    void validationReportsEveryBrokenLine(@TempDir Path dir) {
        jpeg(dir.resolve("ok.jpg"), new Canvas(8, 8));
        text(dir.resolve("train.jsonl"), String.join("\n",
                "{\"image\": \"ok.jpg\", \"labels\": [\"dog\"]}",
                "{\"image\": \"ok.jpg\", \"labels\": [\"dog\"",
                "{\"image\": \"gone.jpg\", \"labels\": [\"dog\"]}",
                "{\"image\": \"ok.jpg\", \"labels\": [\"dragon\", \"cat\"], \"id\": \"dragon\"}",
                "{\"image\": \"ok.jpg\", \"labels\": [\"cat\"], \"mask\": \"no/mask.png\", \"id\": \"nomask\"}",
                "{\"image\": \"ok.jpg\", \"labels\": [], \"id\": \"empty\"}",
                "{\"image\": \"../up.jpg\", \"labels\": [\"cat\"]}",
                "[1, 2]",
                "{\"image\": \"ok.jpg\", \"labels\": \"cat\"}"));

        ValidationReport report = DatasetValidator.validate(new DatasetSpec(DatasetFormat.MANIFEST, dir, "train").open());

        assertThat(report.samples()).isEqualTo(5);
        assertThat(report.counts()).isEqualTo(Map.of(Kind.UNREADABLE_LINE, 3L, Kind.UNKNOWN_CLASS, 1L,
                Kind.PATH_OUTSIDE_ROOT, 1L, Kind.MISSING_IMAGE, 1L, Kind.MISSING_MASK, 1L, Kind.EMPTY_LABELS, 1L));
        assertThat(report.problems()).extracting(p -> p.kind() + " " + p.location()).containsExactly(
                "UNREADABLE_LINE train.jsonl:2",
                "UNKNOWN_CLASS train.jsonl:4",
                "PATH_OUTSIDE_ROOT train.jsonl:7",
                "UNREADABLE_LINE train.jsonl:8",
                "UNREADABLE_LINE train.jsonl:9",
                "MISSING_IMAGE gone (train.jsonl:3)",
                "MISSING_MASK nomask (train.jsonl:5)",
                "EMPTY_LABELS empty (train.jsonl:6)");
    }

    @Test
    void missingManifestIsReported(@TempDir Path dir) {
        ManifestDataset dataset = ManifestDataset.open(dir.resolve("none.jsonl"));

        assertThat(dataset.samples()).isEmpty();
        assertThat(DatasetValidator.validate(dataset).counts())
                .isEqualTo(Map.of(Kind.MISSING_INDEX, 1L, Kind.EMPTY_DATASET, 1L));
        assertThat(dataset.name()).isEqualTo("manifest:" + dir.resolve("none.jsonl"));
    }
}
