package com.fmawsss.masks;

import static org.assertj.core.api.Assertions.assertThat;

import com.fmawsss.PythonReference;
import com.fmawsss.tensors.NpyArray;
import com.fmawsss.tensors.Npz;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@link CocoRle} against {@code models/reference/rle_reference.py}, i.e. pycocotools'
 * {@code mask.encode} on Fortran-ordered uint8 masks: compressed strings identical character for
 * character, areas equal, and pycocotools' strings decode back to the original masks.
 */
class CocoRleReferenceTest {

    private static final int[][] SIZES = {{1, 1}, {1, 37}, {29, 1}, {7, 9}, {48, 64}, {120, 90}, {333, 500}};
    private static final int PER_SIZE = 12;

    @Test
    void compressedStringsMatchPycocotools(@TempDir Path dir) throws IOException {
        SplittableRandom random = new SplittableRandom(2024);
        Map<String, List<boolean[]>> masks = new LinkedHashMap<>();
        Map<String, NpyArray> stacks = new LinkedHashMap<>();
        for (int[] size : SIZES) {
            int h = size[0];
            int w = size[1];
            List<boolean[]> group = new ArrayList<>();
            group.add(new boolean[h * w]);
            boolean[] full = new boolean[h * w];
            java.util.Arrays.fill(full, true);
            group.add(full);
            while (group.size() < PER_SIZE) {
                group.add(group.size() % 3 == 0
                        ? RandomMasks.noise(random, h, w, random.nextDouble())
                        : RandomMasks.blobs(random, h, w, 1 + random.nextInt(5)));
            }
            byte[] bytes = new byte[PER_SIZE * h * w];
            for (int n = 0; n < PER_SIZE; n++) {
                for (int i = 0; i < h * w; i++) {
                    bytes[n * h * w + i] = (byte) (group.get(n)[i] ? 1 : 0);
                }
            }
            String name = "m" + h + "x" + w;
            masks.put(name, group);
            stacks.put(name, NpyArray.ofUint8(bytes, PER_SIZE, h, w));
        }
        Files.write(dir.resolve("masks.npz"), Npz.write(stacks));
        Path out = dir.resolve("rle.json");
        PythonReference.run("models/reference/rle_reference.py", "--masks", dir.resolve("masks.npz").toString(),
                "--out", out.toString());
        JsonNode reference = JsonMapper.builder().build().readTree(out.toFile());
        int compared = 0;
        for (Map.Entry<String, List<boolean[]>> e : masks.entrySet()) {
            JsonNode expected = reference.get(e.getKey());
            assertThat(expected.size()).isEqualTo(PER_SIZE);
            for (int n = 0; n < PER_SIZE; n++) {
                JsonNode ref = expected.get(n);
                int h = ref.get("size").get(0).asInt();
                int w = ref.get("size").get(1).asInt();
                boolean[] mask = e.getValue().get(n);
                CocoRle rle = CocoRle.encode(mask, h, w);
                String what = e.getKey() + " #" + n;
                assertThat(CocoRleCodec.compress(rle)).as(what).isEqualTo(ref.get("counts").asString());
                assertThat(rle.area()).as(what).isEqualTo(ref.get("area").asLong());
                CocoRle decoded = CocoRleCodec.decompress(ref.get("counts").asString(), h, w);
                assertThat(decoded).as(what).isEqualTo(rle);
                assertThat(decoded.decodeRowMajor()).as(what).isEqualTo(mask);
                compared++;
            }
        }
        System.out.printf("CocoRle vs pycocotools: %d masks, strings identical%n", compared);
    }
}
