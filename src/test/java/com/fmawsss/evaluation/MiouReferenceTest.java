package com.fmawsss.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fmawsss.PythonReference;
import com.fmawsss.tensors.NpyArray;
import com.fmawsss.tensors.Npz;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@link ConfusionMatrix} and {@link SegmentationMetrics} against
 * {@code models/reference/miou_reference.py miou} (NumPy {@code bincount} confusion matrix and
 * {@code nanmean} of the IoUs) on random label maps with ignore pixels and absent classes.
 */
class MiouReferenceTest {

    @ParameterizedTest
    @CsvSource({"21, 11", "81, 12", "2, 13"})
    void matchesNumpy(int classes, long seed, @TempDir Path dir) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        // Some classes never occur, so the NaN handling of the mean is exercised.
        List<Integer> used = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            used.add(c);
        }
        Collections.shuffle(used, new Random(seed));
        List<Integer> present = used.subList(0, Math.max(2, classes * 2 / 3));
        // Wrong predictions also hit one class absent from the truth (IoU 0, counted).
        List<Integer> predictable = used.subList(0, Math.min(classes, present.size() + 1));
        ConfusionMatrix total = new ConfusionMatrix(classes);
        List<long[]> gts = new ArrayList<>();
        List<long[]> preds = new ArrayList<>();
        int pixels = 0;
        for (int image = 0; image < 6; image++) {
            int n = random.nextInt(50, 4000);
            int[] gt = new int[n];
            int[] pred = new int[n];
            for (int i = 0; i < n; i++) {
                gt[i] = random.nextInt(10) == 0 ? 255 : present.get(random.nextInt(present.size()));
                // Mostly right, sometimes another class.
                pred[i] = gt[i] != 255 && random.nextInt(3) > 0 ? gt[i] : predictable.get(random.nextInt(predictable.size()));
            }
            // Each worker's matrix, merged, as an evaluation job does it.
            total.merge(new ConfusionMatrix(classes).add(gt, pred));
            gts.add(Arrays.stream(gt).asLongStream().toArray());
            preds.add(Arrays.stream(pred).asLongStream().toArray());
            pixels += n;
        }
        Map<String, NpyArray> arrays = new LinkedHashMap<>();
        arrays.put("gt", NpyArray.ofInt64(concat(gts, pixels), pixels));
        arrays.put("pred", NpyArray.ofInt64(concat(preds, pixels), pixels));
        Files.write(dir.resolve("maps.npz"), Npz.write(arrays));
        Path out = dir.resolve("m.json");
        PythonReference.run("models/reference/miou_reference.py", "miou", "--arrays", dir.resolve("maps.npz").toString(),
                "--classes", Integer.toString(classes), "--out", out.toString());
        JsonNode reference = JsonMapper.builder().build().readTree(out.toFile());

        long[][] hist = total.toArray();
        for (int g = 0; g < classes; g++) {
            for (int p = 0; p < classes; p++) {
                assertThat(hist[g][p]).as("hist[%d][%d]", g, p).isEqualTo(reference.get("hist").get(g).get(p).asLong());
            }
        }
        SegmentationMetrics metrics = SegmentationMetrics.of(total, names(classes));
        int counted = 0;
        for (int c = 0; c < classes; c++) {
            JsonNode iou = reference.get("iou").get(c);
            if (iou.isNull()) {
                assertThat(metrics.classes().get(c).iou()).as("class %d", c).isNaN();
            } else {
                assertThat(metrics.classes().get(c).iou()).as("class %d", c).isCloseTo(iou.asDouble(), within(1e-12));
                counted++;
            }
        }
        assertThat(counted).isEqualTo(predictable.size());
        assertThat(metrics.countedClasses()).isEqualTo(counted);
        assertThat(metrics.meanIou()).isCloseTo(reference.get("miou").asDouble(), within(1e-12));
        assertThat(metrics.pixelAccuracy()).isCloseTo(reference.get("pixel_accuracy").asDouble(), within(1e-12));
    }

    private static long[] concat(List<long[]> parts, int length) {
        long[] out = new long[length];
        int at = 0;
        for (long[] part : parts) {
            System.arraycopy(part, 0, out, at, part.length);
            at += part.length;
        }
        return out;
    }

    private static List<String> names(int classes) {
        List<String> names = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            names.add("c" + c);
        }
        return names;
    }
}
