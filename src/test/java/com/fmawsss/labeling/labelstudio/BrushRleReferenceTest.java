package com.fmawsss.labeling.labelstudio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fmawsss.PythonReference;
import com.fmawsss.masks.RandomMasks;
import com.fmawsss.tensors.NpyArray;
import com.fmawsss.tensors.Npz;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@link BrushRle} against {@code models/reference/ls_rle_reference.py}, a codec written from the
 * published rle-pack algorithm: every mask the service encodes decodes to itself with the
 * reference decoder, and masks the reference encodes in another layout (other word sizes, literal
 * chunks, other field sizes) decode to themselves with the service's decoder. Edge masks: empty,
 * full, one pixel, single rows and columns, runs longer than 65,536 values.
 */
class BrushRleReferenceTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    static Map<String, boolean[]> masks(Map<String, int[]> sizes) {
        SplittableRandom random = new SplittableRandom(17);
        Map<String, boolean[]> masks = new LinkedHashMap<>();
        int[][] shapes = {{1, 1}, {1, 37}, {29, 1}, {7, 9}, {48, 64}, {130, 170}, {300, 300}};
        for (int[] s : shapes) {
            int h = s[0];
            int w = s[1];
            String size = h + "x" + w;
            boolean[] full = new boolean[h * w];
            Arrays.fill(full, true);
            boolean[] one = new boolean[h * w];
            one[(h / 2) * w + w / 2] = true;
            boolean[] last = new boolean[h * w];
            last[h * w - 1] = true;
            put(masks, sizes, "empty_" + size, new boolean[h * w], h, w);
            put(masks, sizes, "full_" + size, full, h, w);
            put(masks, sizes, "one_" + size, one, h, w);
            put(masks, sizes, "last_" + size, last, h, w);
            for (int k = 0; k < 4; k++) {
                put(masks, sizes, "noise" + k + "_" + size, RandomMasks.noise(random, h, w, random.nextDouble()), h, w);
                put(masks, sizes, "blobs" + k + "_" + size, RandomMasks.blobs(random, h, w, 1 + random.nextInt(4)), h, w);
            }
        }
        return masks;
    }

    private static void put(Map<String, boolean[]> masks, Map<String, int[]> sizes, String name, boolean[] mask, int h, int w) {
        masks.put(name, mask);
        sizes.put(name, new int[] {h, w});
    }

    @Test
    void serviceEncodingDecodesWithTheReferenceDecoder(@TempDir Path dir) throws Exception {
        Map<String, int[]> sizes = new LinkedHashMap<>();
        Map<String, boolean[]> masks = masks(sizes);
        ObjectNode input = JSON.createObjectNode();
        long longestRun = 0;
        for (Map.Entry<String, boolean[]> e : masks.entrySet()) {
            int[] rle = BrushRle.encode(e.getValue());
            ObjectNode item = input.putObject(e.getKey());
            item.put("height", sizes.get(e.getKey())[0]);
            item.put("width", sizes.get(e.getKey())[1]);
            Arrays.stream(rle).forEach(item.putArray("rle")::add);
            longestRun = Math.max(longestRun, longestRun(e.getValue()) * 4);
            // The service's own decoder agrees too.
            assertThat(BrushRle.decodeMask(rle, sizes.get(e.getKey())[1], sizes.get(e.getKey())[0])).as(e.getKey())
                    .isEqualTo(e.getValue());
        }
        assertThat(longestRun).as("some run needs more than one 16-bit chunk").isGreaterThan(65_536L * 2);
        Path in = dir.resolve("rle.json");
        Files.write(in, JSON.writeValueAsBytes(input));
        Path out = dir.resolve("masks.npz");
        PythonReference.run("models/reference/ls_rle_reference.py", "decode", "--rle", in.toString(), "--out", out.toString());
        Map<String, NpyArray> decoded = Npz.read(Files.readAllBytes(out), Long.MAX_VALUE);
        assertThat(decoded.keySet()).containsExactlyInAnyOrderElementsOf(masks.keySet());
        for (Map.Entry<String, boolean[]> e : masks.entrySet()) {
            int[] values = decoded.get(e.getKey()).toUnsignedBytes();
            boolean[] mask = new boolean[values.length];
            for (int i = 0; i < values.length; i++) {
                mask[i] = values[i] != 0;
            }
            assertThat(mask).as(e.getKey()).isEqualTo(e.getValue());
        }
    }

    @Test
    void referenceEncodingsInOtherLayoutsDecodeWithTheServiceDecoder(@TempDir Path dir) throws Exception {
        Map<String, int[]> sizes = new LinkedHashMap<>();
        Map<String, boolean[]> masks = masks(sizes);
        Map<String, NpyArray> arrays = new LinkedHashMap<>();
        Map<String, String> original = new LinkedHashMap<>();
        int[] wordSizes = {1, 8, 12};
        int n = 0;
        for (Map.Entry<String, boolean[]> e : masks.entrySet()) {
            int[] size = sizes.get(e.getKey());
            byte[] bytes = new byte[e.getValue().length];
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = (byte) (e.getValue()[i] ? 1 : 0);
            }
            String name = e.getKey() + "_w" + wordSizes[n++ % wordSizes.length];
            arrays.put(name, NpyArray.ofUint8(bytes, size[0], size[1]));
            original.put(name, e.getKey());
        }
        Path in = dir.resolve("masks.npz");
        Files.write(in, Npz.write(arrays));
        Path out = dir.resolve("rle.json");
        PythonReference.run("models/reference/ls_rle_reference.py", "encode", "--masks", in.toString(), "--out", out.toString());
        JsonNode encoded = JSON.readTree(out.toFile());
        for (Map.Entry<String, String> e : original.entrySet()) {
            JsonNode item = encoded.get(e.getKey());
            int[] rle = new int[item.get("rle").size()];
            for (int i = 0; i < rle.length; i++) {
                rle[i] = item.get("rle").get(i).asInt();
            }
            assertThat(BrushRle.decodeMask(rle, item.get("width").asInt(), item.get("height").asInt())).as(e.getKey())
                    .isEqualTo(masks.get(e.getValue()));
        }
    }

    @Test
    void malformedDataIsRefused() {
        int[] rle = BrushRle.encode(new boolean[] {true, false, true, true});
        assertThatThrownBy(() -> BrushRle.decodeMask(rle, 3, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("16 values");
        assertThatThrownBy(() -> BrushRle.decodeMask(Arrays.copyOf(rle, 6), 4, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ends early");
        int[] notBytes = rle.clone();
        notBytes[5] = 300;
        assertThatThrownBy(() -> BrushRle.decodeMask(notBytes, 4, 1)).isInstanceOf(IllegalArgumentException.class);
    }

    private static long longestRun(boolean[] mask) {
        long best = 0;
        long run = 0;
        for (int i = 0; i < mask.length; i++) {
            run = i > 0 && mask[i] == mask[i - 1] ? run + 1 : 1;
            best = Math.max(best, run);
        }
        return best;
    }
}
