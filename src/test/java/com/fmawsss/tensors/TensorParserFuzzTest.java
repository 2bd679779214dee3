package com.fmawsss.tensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Seeded mutation fuzzing of the {@code .npy}/{@code .npz}/safetensors parsers that read client
 * uploads: every mutated input either parses or raises {@link TensorFormatException}; nothing
 * else escapes, nothing hangs, and a declared size never makes the parser allocate beyond the
 * element limit.
 */
class TensorParserFuzzTest {

    private static byte[] mutate(byte[] valid, SplittableRandom random) {
        byte[] out = valid.clone();
        switch (random.nextInt(4)) {
            case 0 -> out[random.nextInt(out.length)] ^= (byte) (1 << random.nextInt(8));
            case 1 -> out = java.util.Arrays.copyOf(out, random.nextInt(out.length));
            case 2 -> out = java.util.Arrays.copyOf(out, out.length + 1 + random.nextInt(16));
            default -> {
                for (int i = 0; i < 1 + random.nextInt(8); i++) {
                    out[random.nextInt(out.length)] = (byte) random.nextInt(256);
                }
            }
        }
        return out;
    }

    @Test
    void tenThousandMutatedUploadsOnlyParseOrFailCleanly() {
        Map<String, NpyArray> arrays = new LinkedHashMap<>();
        arrays.put("scores", NpyArray.of(FloatTensor.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 2, 2, 3)));
        byte[] npy = Npy.write(arrays.get("scores"));
        byte[] npz = Npz.write(arrays);
        byte[] safetensors = Safetensors.write(new Safetensors.Content(
                Map.of("ctx", FloatTensor.of(new float[] {0.5f, -1f, 2f, 3f}, 2, 2)), Map.of("k", "v")));
        // Per format (npy, npz, safetensors): parsed, refused with a TensorFormatException.
        int[][] outcomes = new int[3][2];
        List<String> unexpected = new ArrayList<>();
        assertTimeoutPreemptively(Duration.ofMinutes(2), () -> {
            SplittableRandom random = new SplittableRandom(2026);
            for (int i = 0; i < 10_000; i++) {
                int kind = i % 3;
                byte[] input = mutate(kind == 0 ? npy : kind == 1 ? npz : safetensors, random);
                try {
                    switch (kind) {
                        case 0 -> Npy.read(input, 1_000_000).toFloatTensor();
                        case 1 -> Npz.read(input, 1_000_000);
                        default -> Safetensors.read(input);
                    }
                    outcomes[kind][0]++;
                } catch (TensorFormatException expected) {
                    outcomes[kind][1]++;
                } catch (RuntimeException | Error e) {
                    // Anything else would reach a client as a 500.
                    unexpected.add("mutation " + i + " (format " + kind + "): " + e);
                }
            }
        });
        assertThat(unexpected).isEmpty();
        for (int kind = 0; kind < 3; kind++) {
            // The mutations must exercise both paths of every parser, or the test proves nothing.
            assertThat(outcomes[kind][0]).as("format %d parsed", kind).isPositive();
            assertThat(outcomes[kind][1]).as("format %d refused", kind).isPositive();
            assertThat(outcomes[kind][0] + outcomes[kind][1]).isEqualTo(kind == 0 ? 3334 : 3333);
        }
    }
}
