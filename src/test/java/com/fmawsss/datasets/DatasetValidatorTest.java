package com.fmawsss.datasets;

import static com.fmawsss.datasets.SyntheticDatasets.jpeg;
import static com.fmawsss.datasets.SyntheticDatasets.palettePng;
import static com.fmawsss.datasets.SyntheticDatasets.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fmawsss.datasets.DatasetProblem.Kind;
import com.fmawsss.datasets.SyntheticDatasets.Canvas;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetValidatorTest {

    @Test
    void decodingSamplesFindsCorruptImagesAndSizeMismatches(@TempDir Path root) {
        Canvas mask = new Canvas(20, 10).rect(0, 0, 5, 5, 3);
        jpeg(root.resolve("JPEGImages/good.jpg"), mask);
        palettePng(root.resolve("SegmentationClass/good.png"), mask);
        jpeg(root.resolve("JPEGImages/wrongsize.jpg"), new Canvas(10, 20));
        palettePng(root.resolve("SegmentationClass/wrongsize.png"), mask);
        text(root.resolve("JPEGImages/broken.jpg"), "JFIF? no");
        palettePng(root.resolve("SegmentationClass/broken.png"), mask);
        text(root.resolve("ImageSets/Segmentation/val.txt"), "good\nwrongsize\nbroken\n");
        Dataset dataset = new DatasetSpec(DatasetFormat.VOC, root, "val").open();

        assertThat(DatasetValidator.validate(dataset).isValid()).isTrue(); // existence only
        ValidationReport decoded = DatasetValidator.validate(dataset, 10);

        assertThat(decoded.problems()).extracting(p -> p.kind() + " " + p.location()).containsExactly(
                "SIZE_MISMATCH wrongsize (val.txt:2)", "UNREADABLE_IMAGE broken (val.txt:3)");
        assertThat(decoded.problems().getFirst().message()).isEqualTo("image is 10x20, ground truth 20x10");
    }

    @Test
    void summaryCountsEveryProblemAndListsTwentyPerKind(@TempDir Path dir) {
        String lines = IntStream.range(0, 25)
                .mapToObj(i -> "{\"image\": \"missing" + i + ".jpg\", \"labels\": [\"cat\"]}")
                .collect(Collectors.joining("\n"));
        text(dir.resolve("m.jsonl"), lines);

        ValidationReport report = DatasetValidator.validate(ManifestDataset.open(dir.resolve("m.jsonl")));

        assertThat(report.counts()).isEqualTo(Map.of(Kind.MISSING_IMAGE, 25L));
        assertThat(report.errors()).hasSize(25);
        assertThat(report.summary()).startsWith("manifest:" + dir.resolve("m.jsonl") + ": 25 samples, 25 errors, 0 warnings\n"
                + "MISSING_IMAGE (25):\n  missing0 (m.jsonl:1): no file ");
        assertThat(report.summary()).contains("missing19 (m.jsonl:20)").doesNotContain("missing20 (m.jsonl:21)")
                .endsWith("\n  ... and 5 more");
        InvalidDatasetException e = assertThrows(
                InvalidDatasetException.class, report::requireValid);
        assertThat(e.report().problems()).hasSize(25);
    }

    @Test
    void specOpensEachFormat(@TempDir Path dir) {
        jpeg(dir.resolve("a.jpg"), new Canvas(8, 8));
        text(dir.resolve("list.jsonl"), "{\"image\": \"a.jpg\", \"labels\": [\"cat\"]}\n");

        assertThat(new DatasetSpec(DatasetFormat.MANIFEST, dir.resolve("list.jsonl"), null).open().samples()).hasSize(1);
        assertThat(new DatasetSpec(DatasetFormat.MANIFEST, dir, "list").open().samples()).hasSize(1);
        assertThat(new DatasetSpec(DatasetFormat.VOC, dir, "train").open()).isInstanceOf(VocDataset.class);
        Dataset coco = new DatasetSpec(DatasetFormat.COCO, dir, "train2014").open();
        assertThat(coco.format()).isEqualTo(DatasetFormat.COCO);
        assertThat(coco.vocabulary().classes()).hasSize(80);
        assertThat(DatasetFormat.parse(" Manifest")).isEqualTo(DatasetFormat.MANIFEST);
        assertThat(DatasetFormat.COCO.id()).isEqualTo("coco");
        assertThatThrownBy(() -> DatasetFormat.parse("kitti")).hasMessageContaining("voc, coco or manifest");
        assertThat(List.of(DatasetFormat.values())).hasSize(3);
    }
}
