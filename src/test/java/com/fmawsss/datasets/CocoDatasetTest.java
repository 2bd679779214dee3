package com.fmawsss.datasets;

import com.fmawsss.masks.CocoRleCodec;
import static com.fmawsss.datasets.SyntheticDatasets.jpeg;
import static com.fmawsss.datasets.SyntheticDatasets.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.fmawsss.PythonReference;
import com.fmawsss.image.LabelMap;
import com.fmawsss.masks.CocoRle;
import com.fmawsss.prompts.Vocabulary;
import com.fmawsss.tensors.NpyArray;
import com.fmawsss.tensors.Npz;
import com.fmawsss.datasets.DatasetProblem.Kind;
import com.fmawsss.datasets.SyntheticDatasets.Canvas;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

class CocoDatasetTest {

    /** COCO's 80 category ids: 1..90 without 12, 26, 29, 30, 45, 66, 68, 69, 71, 83. */
    static final int[] CATEGORY_IDS = IntStream.rangeClosed(1, 90)
            .filter(id -> !List.of(12, 26, 29, 30, 45, 66, 68, 69, 71, 83).contains(id)).toArray();
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int PERSON = 1;
    private static final int CAR = 3;
    private static final int DOG = 18;
    private static final int TOOTHBRUSH = 90;

    /** An annotation-file builder. */
    static final class CocoJson {
        final List<Map<String, Object>> images = new ArrayList<>();
        final List<Map<String, Object>> annotations = new ArrayList<>();
        final List<Map<String, Object>> categories = new ArrayList<>();

        CocoJson() {
            // Listed out of id order on purpose: the mapping sorts by id.
            for (int i = CATEGORY_IDS.length - 1; i >= 0; i--) {
                categories.add(Map.of("id", CATEGORY_IDS[i], "name", "category" + CATEGORY_IDS[i], "supercategory", "x"));
            }
        }

        CocoJson image(long id, String file, int width, int height) {
            images.add(Map.of("id", id, "file_name", file, "width", width, "height", height));
            return this;
        }

        CocoJson annotation(long imageId, int categoryId, boolean crowd, Object segmentation) {
            Map<String, Object> a = new LinkedHashMap<>();
            a.put("id", annotations.size() + 1);
            a.put("image_id", imageId);
            a.put("category_id", categoryId);
            a.put("iscrowd", crowd ? 1 : 0);
            a.put("segmentation", segmentation);
            a.put("area", 0);
            a.put("bbox", List.of(0, 0, 1, 1));
            annotations.add(a);
            return this;
        }

        void write(Path file) {
            Map<String, Object> root = new LinkedHashMap<>();
            root.put("info", Map.of("description", "synthetic", "nested", List.of(Map.of("a", 1))));
            root.put("images", images);
            root.put("licenses", List.of());
            root.put("annotations", annotations);
            root.put("categories", categories);
            text(file, JSON.writeValueAsString(root));
        }
    }

    static Map<String, Object> rle(boolean[] mask, int height, int width, boolean compressed) {
        CocoRle rle = CocoRle.encode(mask, height, width);
        Object counts = compressed ? CocoRleCodec.compress(rle) : Arrays.stream(rle.counts()).boxed().toList();
        return Map.of("size", List.of(height, width), "counts", counts);
    }

    static boolean[] rectMask(int width, int height, int x0, int y0, int x1, int y1) {
        boolean[] mask = new boolean[width * height];
        for (int y = y0; y < y1; y++) {
            for (int x = x0; x < x1; x++) {
                mask[y * width + x] = true;
            }
        }
        return mask;
    }

    @Test
    void readsLabelsAndPaintsPolygonsRleAndCrowd(@TempDir Path root) {
        new CocoJson()
                .image(1, "COCO_train2014_000000000001.jpg", 40, 30)
                .image(2, "COCO_train2014_000000000002.jpg", 30, 20)
                .image(3, "COCO_train2014_000000000003.jpg", 16, 16)
                .image(4, "COCO_train2014_000000000004.jpg", 16, 16)
                // person rectangle [5,15) x [5,13) = 80 px, then a dog rectangle [10,25) x [8,20) = 180 px over it
                .annotation(1, PERSON, false, List.of(List.of(5, 5, 15, 5, 15, 13, 5, 13)))
                .annotation(1, DOG, false, List.of(List.of(10, 8, 25, 8, 25, 20, 10, 20)))
                .annotation(2, CAR, false, rle(rectMask(30, 20, 0, 0, 10, 20), 20, 30, true))
                .annotation(2, PERSON, true, rle(rectMask(30, 20, 5, 5, 20, 10), 20, 30, false))
                .annotation(4, TOOTHBRUSH, false, List.of(List.of(0, 0, 4, 0, 4, 4), List.of(8, 8, 12, 8, 12, 12, 8, 12)))
                .write(root.resolve("annotations/instances_train2014.json"));
        for (int id = 1; id <= 4; id++) {
            jpeg(root.resolve("train2014/COCO_train2014_00000000000" + id + ".jpg"), new Canvas(id == 1 ? 40 : id == 2 ? 30 : 16,
                    id == 1 ? 30 : id == 2 ? 20 : 16));
        }

        CocoDataset dataset = CocoDataset.open(root, "train2014");

        assertThat(dataset.problems()).singleElement().satisfies(p -> {
            assertThat(p.kind()).isEqualTo(Kind.SKIPPED);
            assertThat(p.message()).isEqualTo("1 images without annotations left out");
        });
        assertThat(dataset.vocabulary()).isEqualTo(Vocabulary.coco());
        assertThat(dataset.samples()).extracting(TrainingSample::id).containsExactly("1", "2", "4");
        // person = index 0, car = 2, dog = 16, toothbrush = 79 (ids sorted, gaps skipped)
        assertThat(dataset.samples()).extracting(TrainingSample::labels)
                .containsExactly(List.of(0, 16), List.of(0, 2), List.of(79));
        assertThat(Vocabulary.coco().classNames().get(16)).isEqualTo("dog");
        assertThat(Vocabulary.coco().classNames().get(79)).isEqualTo("toothbrush");
        assertThat(dataset.samples().getFirst().image()).isEqualTo(root.resolve("train2014/COCO_train2014_000000000001.jpg"));
        assertThat(dataset.samples().getFirst().mask()).isEmpty();

        LabelMap first = dataset.groundTruth(dataset.samples().getFirst()).orElseThrow();
        assertThat(histogram(first)).isEqualTo(Map.of(0, 40 * 30 - 55 - 180, 1, 55, 17, 180));
        assertThat(first.at(5, 5)).isEqualTo(1);
        assertThat(first.at(14, 12)).isEqualTo(17); // overlap: the later annotation wins
        assertThat(first.at(15, 5)).isEqualTo(0);
        LabelMap second = dataset.groundTruth(dataset.samples().get(1)).orElseThrow();
        // car [0,10) x [0,20) = 200 px; crowd [5,20) x [5,10) = 75 px painted later as ignore
        assertThat(histogram(second)).isEqualTo(Map.of(0, 600 - 200 - 50, 3, 200 - 25, 255, 75));
        LabelMap fourth = dataset.groundTruth(dataset.samples().get(2)).orElseThrow();
        // both parts: square [8,12) x [8,12) = 16 px, triangle (0,0)-(4,0)-(4,4) = 6 px by pycocotools' rounding
        assertThat(histogram(fourth)).isEqualTo(Map.of(0, 256 - 22, 80, 22));
        assertThat(fourth.at(10, 10)).isEqualTo(80);
        assertThat(fourth.at(1, 0)).isEqualTo(80);
        assertThat(fourth.at(0, 0)).isEqualTo(0);
        assertThat(DatasetValidator.validate(dataset, 3).isValid()).isTrue();
    }

    @Test
    void findsImagesUnderImagesDirectory(@TempDir Path root) {
        new CocoJson().image(7, "a.jpg", 16, 16)
                .annotation(7, DOG, false, List.of(List.of(1, 1, 9, 1, 9, 9)))
                .write(root.resolve("annotations/instances_val2014.json"));
        jpeg(root.resolve("images/val2014/a.jpg"), new Canvas(16, 16));

        CocoDataset dataset = CocoDataset.open(root, "val2014");

        assertThat(dataset.samples()).singleElement()
                .satisfies(s -> assertThat(s.image()).isEqualTo(root.resolve("images/val2014/a.jpg")));
        assertThat(DatasetValidator.validate(dataset).problems()).isEmpty();
    }

    @Test
    void reportsBrokenAnnotations(@TempDir Path root) {
        CocoJson json = new CocoJson()
                .image(1, "one.jpg", 16, 16)
                .image(2, "../../outside.jpg", 16, 16)
                .image(3, "missing.jpg", 16, 16)
                .annotation(1, PERSON, false, List.of(List.of(1, 1, 9, 1, 9, 9)))
                .annotation(1, 999, false, List.of(List.of(1, 1, 9, 1, 9, 9)))
                .annotation(77, PERSON, false, List.of(List.of(1, 1, 9, 1, 9, 9)))
                .annotation(1, DOG, false, "oops")
                .annotation(2, DOG, false, List.of(List.of(1, 1, 9, 1, 9, 9)))
                .annotation(3, DOG, false, List.of(List.of(1, 1, 9, 1, 9, 9)));
        json.images.add(Map.of("id", 4, "width", 16, "height", 16)); // no file_name
        json.write(root.resolve("annotations/instances_train2014.json"));
        jpeg(root.resolve("train2014/one.jpg"), new Canvas(16, 16));

        ValidationReport report = DatasetValidator.validate(CocoDataset.open(root, "train2014"));

        assertThat(report.samples()).isEqualTo(2);
        assertThat(report.counts()).isEqualTo(Map.of(Kind.UNREADABLE_LINE, 2L, Kind.UNREADABLE_MASK, 1L,
                Kind.UNKNOWN_CLASS, 1L, Kind.PATH_OUTSIDE_ROOT, 1L, Kind.MISSING_IMAGE, 1L));
        assertThat(report.problems()).extracting(DatasetProblem::location).containsExactly(
                "images[3]", "annotations[3]", "annotations[1]", "annotations[2]", "image 2", "3 (instances_train2014.json image 3)");
    }

    @Test
    void reportsMissingOrMalformedAnnotationFiles(@TempDir Path root) {
        assertThat(DatasetValidator.validate(CocoDataset.open(root, "train2014")).counts())
                .isEqualTo(Map.of(Kind.MISSING_INDEX, 1L, Kind.EMPTY_DATASET, 1L));
        text(root.resolve("annotations/instances_train2014.json"), "{\"images\": [ {\"id\": 1,");
        CocoDataset truncated = CocoDataset.open(root, "train2014");
        assertThat(truncated.problems()).extracting(DatasetProblem::kind).containsExactly(Kind.MISSING_INDEX);
        assertThat(truncated.samples()).isEmpty();
    }

    @Test
    void groundTruthMatchesPycocotools(@TempDir Path dir) throws IOException {
        SplittableRandom random = new SplittableRandom(7);
        CocoJson json = new CocoJson();
        for (int image = 1; image <= 12; image++) {
            int width = 1 + random.nextInt(90);
            int height = 1 + random.nextInt(70);
            json.image(image, image + ".jpg", width, height);
            int annotations = image == 12 ? 0 : 1 + random.nextInt(8);
            for (int a = 0; a < annotations; a++) {
                int category = CATEGORY_IDS[random.nextInt(CATEGORY_IDS.length)];
                boolean crowd = random.nextInt(6) == 0;
                int kind = random.nextInt(5);
                if (kind < 3) {
                    List<List<Double>> polygons = new ArrayList<>();
                    for (int part = 1 + random.nextInt(3); part > 0; part--) {
                        List<Double> xy = new ArrayList<>();
                        for (int v = 3 + random.nextInt(10); v > 0; v--) {
                            xy.add(coordinate(random, width, kind));
                            xy.add(coordinate(random, height, kind));
                        }
                        polygons.add(xy);
                    }
                    json.annotation(image, category, crowd, polygons);
                } else {
                    boolean[] mask = new boolean[width * height];
                    int x0 = random.nextInt(width);
                    int y0 = random.nextInt(height);
                    for (int i = 0; i < mask.length; i++) {
                        mask[i] = (i % width - x0) * (i % width - x0) + (i / width - y0) * (i / width - y0)
                                < random.nextInt(1, 400);
                    }
                    json.annotation(image, category, crowd, rle(mask, height, width, kind == 3));
                }
            }
        }
        Path annotations = dir.resolve("annotations/instances_val2014.json");
        json.write(annotations);
        Path out = dir.resolve("gt.npz");
        PythonReference.run("models/reference/miou_reference.py", "coco-gt", "--annotations", annotations.toString(),
                "--out", out.toString());
        Map<String, NpyArray> reference = Npz.read(Files.readAllBytes(out), 1_000_000);

        CocoDataset dataset = CocoDataset.open(dir, "val2014");

        assertThat(dataset.samples()).hasSize(11);
        for (TrainingSample sample : dataset.samples()) {
            NpyArray expected = reference.get("img" + sample.id());
            LabelMap actual = dataset.groundTruth(sample).orElseThrow();
            assertThat(new int[] {actual.height(), actual.width()}).isEqualTo(expected.shape());
            assertThat(actual.labels()).as("image " + sample.id()).isEqualTo(expected.toUnsignedBytes());
        }
    }

    /** Coordinates of three flavours: integers, two decimals (as in COCO files), and off-image. */
    private static double coordinate(SplittableRandom random, int extent, int flavour) {
        return switch (flavour) {
            case 0 -> random.nextInt(-2, extent + 3);
            case 1 -> Math.round(random.nextDouble(0, extent) * 100) / 100.0;
            default -> random.nextDouble(-5, extent + 5);
        };
    }

    private static Map<Integer, Integer> histogram(LabelMap map) {
        Map<Integer, Integer> counts = new TreeMap<>();
        for (int label : map.labels()) {
            counts.merge(label, 1, Integer::sum);
        }
        return counts;
    }
}
