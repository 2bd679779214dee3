package com.fmawsss.sams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fmawsss.PythonReference;
import com.fmawsss.tensors.FloatTensor;
import com.fmawsss.tensors.Npy;
import com.fmawsss.tensors.NpyArray;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScoreMapsTest {

    @Test
    void upsamplesWithHalfPixelCentresAndClampedEdges() {
        // 1 x 2 -> 1 x 4: scale 0.5, sources max(0.5 * (d + 0.5) - 0.5, 0) = 0, 0.25, 0.75, 1.25;
        // the last one has i0 = 1 = in - 1, so i1 is clamped to 1 as well.
        FloatTensor out = ScoreMaps.upsampleBilinear(FloatTensor.of(new float[] {0f, 1f}, 1, 1, 2), 1, 4);
        assertThat(out.shape()).containsExactly(1, 1, 4);
        assertThat(out.data()).containsExactly(0f, 0.25f, 0.75f, 1f);
    }

    @Test
    void downsamplesByAveragingNeighbourPairsAtScaleTwo() {
        // 4 -> 2: sources 2 * (d + 0.5) - 0.5 = 0.5, 2.5, so each output averages two inputs.
        FloatTensor in = FloatTensor.of(new float[] {1f, 3f, 10f, 20f, 5f, 7f, 0f, -4f}, 2, 1, 4);
        FloatTensor out = ScoreMaps.upsampleBilinear(in, 1, 2);
        assertThat(out.shape()).containsExactly(2, 1, 2);
        assertThat(out.data()).containsExactly(2f, 15f, 6f, -2f);
    }

    @Test
    void bilinearInBothAxes() {
        // 2 x 2 -> 4 x 4: the centre 2 x 2 block blends all four corners with weights 0.75 / 0.25.
        FloatTensor in = FloatTensor.of(new float[] {0f, 4f, 8f, 12f}, 1, 2, 2);
        float[] out = ScoreMaps.upsampleBilinear(in, 4, 4).data();
        assertThat(out).containsExactly(
                0f, 1f, 3f, 4f,
                2f, 3f, 5f, 6f,
                6f, 7f, 9f, 10f,
                8f, 9f, 11f, 12f);
    }

    @Test
    void unchangedSizeIsTheIdentityAndUnchangedAxesAreCopied() {
        FloatTensor in = FloatTensor.of(new float[] {1f, 2f, 3f, 4f, 5f, 6f}, 1, 2, 3);
        assertThat(ScoreMaps.upsampleBilinear(in, 2, 3)).isSameAs(in);
        // Height kept, width 3 -> 6: rows are resampled independently.
        float[] out = ScoreMaps.upsampleBilinear(in, 2, 6).data();
        assertThat(out).containsExactly(1f, 1.25f, 1.75f, 2.25f, 2.75f, 3f, 4f, 4.25f, 4.75f, 5.25f, 5.75f, 6f);
    }

    @Test
    void rejectsBadShapes() {
        assertThatThrownBy(() -> ScoreMaps.upsampleBilinear(FloatTensor.of(new float[4], 2, 2), 4, 4))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[C, h, w]");
        assertThatThrownBy(() -> ScoreMaps.upsampleBilinear(FloatTensor.of(new float[4], 1, 2, 2), 0, 4))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot resample");
    }

    @Test
    void matchesTorchInterpolateOnRandomMaps(@TempDir Path dir) throws IOException {
        // {C, h, w, H, W}: patch grids to image sizes (odd ratios), downsampling, one axis kept,
        // and small outputs (H + W <= 128) that take ATen's channels-last kernel.
        int[][] cases = {
            {3, 14, 14, 224, 224}, {2, 7, 9, 113, 150}, {4, 23, 31, 375, 500}, {1, 10, 20, 10, 57},
            {2, 50, 40, 13, 17}, {3, 31, 17, 200, 9}, {5, 6, 8, 40, 50}, {1, 1, 1, 30, 40}, {2, 33, 47, 333, 250},
        };
        SplittableRandom random = new SplittableRandom(5);
        FloatTensor[] inputs = new FloatTensor[cases.length];
        for (int k = 0; k < cases.length; k++) {
            int[] c = cases[k];
            float[] values = new float[c[0] * c[1] * c[2]];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) random.nextDouble(-2, 3);
            }
            inputs[k] = FloatTensor.of(values, c[0], c[1], c[2]);
            Files.write(dir.resolve("i" + k + ".npy"), Npy.write(NpyArray.of(inputs[k])));
            Files.writeString(dir.resolve("i" + k + ".interp.json"), "{\"id\": \"i" + k + "\", \"input\": \"i" + k
                    + ".npy\", \"height\": " + c[3] + ", \"width\": " + c[4] + "}");
        }
        PythonReference.run("models/reference/interp_reference.py", "--cases", dir.toString());
        double worstLarge = 0;
        double worstSmall = 0;
        for (int k = 0; k < cases.length; k++) {
            FloatTensor expected = Npy.read(Files.readAllBytes(dir.resolve("i" + k + ".interp.ref.npy")), 10_000_000)
                    .toFloatTensor();
            FloatTensor actual = ScoreMaps.upsampleBilinear(inputs[k], cases[k][3], cases[k][4]);
            assertThat(actual.shape()).containsExactly(expected.shape());
            double error = 0;
            for (int i = 0; i < actual.data().length; i++) {
                error = Math.max(error, Math.abs((double) actual.data()[i] - expected.data()[i]));
            }
            assertThat(error).as("case %d", k).isLessThanOrEqualTo(1e-6);
            // ATen's generic kernel serves H + W > 128, its channels-last kernel smaller outputs.
            if (cases[k][3] + cases[k][4] > 128) {
                worstLarge = Math.max(worstLarge, error);
            } else {
                worstSmall = Math.max(worstSmall, error);
            }
        }
        System.out.printf("ScoreMaps vs torch interpolate: max |error| = %.2e (H + W > 128), %.2e (smaller)%n",
                worstLarge, worstSmall);
    }
}
