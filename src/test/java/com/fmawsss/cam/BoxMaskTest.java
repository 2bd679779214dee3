package com.fmawsss.cam;

import static org.assertj.core.api.Assertions.assertThat;

import com.fmawsss.PythonReference;
import com.fmawsss.tensors.FloatTensor;
import com.fmawsss.tensors.Npy;
import com.fmawsss.tensors.NpyArray;
import com.fmawsss.tensors.Npz;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BoxMaskTest {

    private static String render(float[] mask, int width) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < mask.length; i++) {
            out.append(mask[i] > 0 ? '#' : '.');
            if (i % width == width - 1) {
                out.append('\n');
            }
        }
        return out.toString();
    }

    @Test
    void boxesOfComponentsWithExclusiveClampedEnd() {
        // 5 x 6 score: a 2x2 blob at rows 1-2, cols 1-2 and a blob touching the right border.
        float[] score = new float[30];
        score[1 * 6 + 1] = 1f;
        score[2 * 6 + 2] = 0.9f; // diagonal neighbour: same 8-connected component
        score[3 * 6 + 5] = 0.8f;
        score[4 * 6 + 5] = 0.8f;
        String mask = render(BoxMask.of(score, 5, 6, 0.4), 6);
        // Blob 1: x 1..2, y 1..2 -> painted [1:3, 1:3]. Blob 2: x 5, y 3..4 -> end clamped to 5 = W-1:
        // [3:4, 5:5] is empty, so the right-border blob paints nothing (the official quirk).
        assertThat(mask).isEqualTo("""
                ......
                .##...
                .##...
                ......
                ......
                """);
    }

    @Test
    void thresholdIsStrictOnFloorOfTheUint8Maximum() {
        // u8 levels: 255, 102 (0.4 * 255 = 102 -> floor 102 is not > 102), 103
        float[] score = {1f, 102.5f / 255f, 0f, 0f, 0f, 0f, 0f, 103.5f / 255f, 0f};
        float[] mask = BoxMask.of(score, 3, 3, 0.4);
        // components: {0} box [0:1,0:1]; {7} (row 2) -> end row clamped to 2, empty.
        assertThat(render(mask, 3)).isEqualTo("#..\n...\n...\n");
    }

    @Test
    void flatZeroScoreGivesAnEmptyMask() {
        assertThat(BoxMask.of(new float[12], 3, 4, 0.4)).containsOnly(0f);
    }

    @Test
    void normalisationIsReluThenMinMaxWithEps() {
        float[] out = CamNormalisation.normalise(new float[] {-1f, 0f, 2f, 4f});
        assertThat(out[0]).isZero();
        assertThat(out[1]).isZero();
        assertThat(out[2]).isEqualTo(2f / (4f + 1e-7f));
        assertThat(out[3]).isEqualTo(4f / (4f + 1e-7f));
        float[] positive = CamNormalisation.normalise(new float[] {3f, 5f});
        assertThat(positive[0]).isZero();
        assertThat(positive[1]).isEqualTo(2f / (2f + 1e-7f));
    }

    @Test
    void matchesOpenCvContoursOnRandomScoreMaps(@TempDir Path dir) throws IOException {
        SplittableRandom random = new SplittableRandom(42);
        int cases = 40;
        int[][] sizes = new int[cases][];
        float[][] scores = new float[cases][];
        double[] thresholds = {0.4, 0.5, 0.6, 0.9};
        for (int c = 0; c < cases; c++) {
            int h = 3 + random.nextInt(30);
            int w = 3 + random.nextInt(30);
            float[] raw = new float[h * w];
            // Sparse random peaks give many components, holes and border contacts.
            for (int i = 0; i < raw.length; i++) {
                raw[i] = random.nextDouble() < 0.35 ? (float) random.nextDouble() : 0f;
            }
            sizes[c] = new int[] {h, w};
            scores[c] = CamNormalisation.normalise(raw);
            Files.write(dir.resolve("b" + c + ".npy"), Npy.write(NpyArray.of(FloatTensor.of(scores[c], h, w))));
            Files.writeString(dir.resolve("b" + c + ".boxmask.json"),
                    "{\"id\": \"b" + c + "\", \"score\": \"b" + c + ".npy\", \"threshold\": " + thresholds[c % 4] + "}");
        }
        PythonReference.run("models/reference/cam_reference.py", "--bundle", "models/demo-bundle", "--cases", dir.toString());
        for (int c = 0; c < cases; c++) {
            int[] expected = Npz.read(Files.readAllBytes(dir.resolve("b" + c + ".ref.npz")), 10_000).get("boxes").toUnsignedBytes();
            float[] actual = BoxMask.of(scores[c], sizes[c][0], sizes[c][1], thresholds[c % 4]);
            int[] actualInts = new int[actual.length];
            for (int i = 0; i < actual.length; i++) {
                actualInts[i] = (int) actual[i];
            }
            assertThat(actualInts).as("case %d (%dx%d)", c, sizes[c][0], sizes[c][1]).containsExactly(expected);
        }
    }
}
