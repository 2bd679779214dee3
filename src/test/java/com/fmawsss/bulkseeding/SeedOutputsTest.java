package com.fmawsss.bulkseeding;

import com.fmawsss.masks.CocoRleCodec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fmawsss.image.ImageLimits;
import com.fmawsss.image.LabelMap;
import com.fmawsss.image.LabelMapPng;
import com.fmawsss.masks.CocoRle;
import com.fmawsss.prompts.Vocabulary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class SeedOutputsTest {

    static final JsonMapper JSON = JsonMapper.builder().build();

    /** 6x4 map: cat (8) on the left, dog (12) in the bottom-right corner, background elsewhere. */
    static LabelMap seeds() {
        int[] labels = new int[24];
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 6; x++) {
                labels[y * 6 + x] = x < 2 ? 8 : (x >= 4 && y >= 2 ? 12 : 0);
            }
        }
        return new LabelMap(6, 4, labels);
    }

    @Test
    void writesThePngAndTheRequestedSidecarsWhoseRleDecodesToTheLabelMap(@TempDir Path dir) throws Exception {
        SeedOutputs outputs = new SeedOutputs(dir.resolve("out"), EnumSet.allOf(SeedOutputs.Extra.class), dir.resolve("tmp"));
        assertThat(outputs.isComplete("2007_000032")).isFalse();
        outputs.write("2007_000032", seeds(), Vocabulary.voc(), new byte[] {1, 2, 3});

        assertThat(outputs.isComplete("2007_000032")).isTrue();
        LabelMap png = LabelMapPng.decode(Files.readAllBytes(dir.resolve("out/2007_000032.png")), ImageLimits.defaults());
        assertThat(png.labels()).isEqualTo(seeds().labels());
        assertThat(outputs.read("2007_000032")).hasValueSatisfying(m -> assertThat(m.labels()).isEqualTo(seeds().labels()));
        assertThat(Files.readAllBytes(dir.resolve("out/2007_000032.cams.npz"))).containsExactly(1, 2, 3);

        JsonNode rle = JSON.readTree(Files.readAllBytes(dir.resolve("out/2007_000032.rle.json")));
        assertThat(rle.path("id").asString()).isEqualTo("2007_000032");
        assertThat(rle.path("width").asInt()).isEqualTo(6);
        assertThat(rle.path("height").asInt()).isEqualTo(4);
        assertThat(rle.path("classes")).hasSize(2);
        for (JsonNode entry : rle.path("classes")) {
            int label = entry.path("label").asInt();
            assertThat(entry.path("name").asString()).isEqualTo(Vocabulary.voc().classes().get(label - 1).name());
            @SuppressWarnings("unchecked")
            Map<String, Object> json = JSON.treeToValue(entry.path("rle"), Map.class);
            boolean[] mask = CocoRleCodec.fromJson(json).decodeRowMajor();
            int area = 0;
            for (int p = 0; p < 24; p++) {
                assertThat(mask[p]).isEqualTo(seeds().labels()[p] == label);
                area += mask[p] ? 1 : 0;
            }
            assertThat(entry.path("area").asInt()).isEqualTo(area);
        }
        assertThat(List.of("cat", "dog")).containsExactly(rle.path("classes").get(0).path("name").asString(),
                rle.path("classes").get(1).path("name").asString());
        try (Stream<Path> temps = Files.walk(dir)) {
            assertThat(temps.filter(p -> p.toString().endsWith(".tmp"))).isEmpty();
        }
    }

    @Test
    void thePngComesLastSoASidecarThatFailsLeavesTheSampleIncomplete(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out");
        // A non-empty directory under the sidecar's name: the sidecar cannot be renamed into place.
        Files.createDirectories(out.resolve("img.rle.json"));
        Files.writeString(out.resolve("img.rle.json/keep"), "x");
        SeedOutputs outputs = new SeedOutputs(out, Set.of(SeedOutputs.Extra.RLE));
        assertThatThrownBy(() -> outputs.write("img", seeds(), Vocabulary.voc(), null)).isInstanceOf(IOException.class);
        assertThat(outputs.isComplete("img")).isFalse();
        assertThat(out.resolve("img.png")).doesNotExist();
    }

    @Test
    void idsThatCannotBeFileNamesAreRefused(@TempDir Path dir) {
        SeedOutputs outputs = new SeedOutputs(dir, Set.of());
        for (String id : List.of("../etc/passwd", "a/b", ".hidden", "..", "", "a\\b", "x".repeat(201), "sp ace")) {
            assertThat(SeedOutputs.isSafeId(id)).as(id).isFalse();
            assertThat(outputs.isComplete(id)).isFalse();
            assertThatThrownBy(() -> outputs.write(id, seeds(), Vocabulary.voc(), null))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot name an output file");
        }
        for (String id : List.of("2007_000032", "139", "cat-0002", "a.b+c", "_x")) {
            assertThat(SeedOutputs.isSafeId(id)).as(id).isTrue();
        }
        assertThat(dir.toFile().list()).isEmpty();
    }
}
