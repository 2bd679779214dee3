package com.fmawsss.sam;

import com.fmawsss.DemoBundleFixture;
import com.fmawsss.PythonReference;
import com.fmawsss.image.RgbImage;
import com.fmawsss.masks.CocoRleCodec;
import com.fmawsss.tensors.Npy;
import com.fmawsss.tensors.NpyArray;
import java.nio.file.Files;
import java.nio.file.Path;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** Cases for {@code models/reference/sam_predictor_reference.py} on the demo bundle, and its answers. */
public final class PromptReference {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private PromptReference() {}

    /** Writes a case for the reference script. */
    public static void writeCase(Path dir, String id, RgbImage image, SamPrompt prompt) throws Exception {
        Files.write(dir.resolve(id + ".npy"), Npy.write(NpyArray.ofUint8(image.rgb(), image.height(), image.width(), 3)));
        ObjectNode c = JSON.createObjectNode();
        c.put("image", id + ".npy");
        ArrayNode points = c.putArray("points");
        for (SamPrompt.Point p : prompt.points()) {
            points.addArray().add(p.x()).add(p.y()).add(p.positive() ? 1 : 0);
        }
        if (prompt.box() != null) {
            c.putArray("box").add(prompt.box().x1()).add(prompt.box().y1()).add(prompt.box().x2()).add(prompt.box().y2());
        } else {
            c.putNull("box");
        }
        Files.writeString(dir.resolve(id + ".click.json"), JSON.writeValueAsString(c));
    }

    /** Pixels of {@code actual} that differ from reference mask {@code k} where its logit is decisive. */
    public static int decisiveDifferences(JsonNode reference, int k, boolean[] actual, int height, int width) {
        boolean[] expected = CocoRleCodec.decompress(reference.path("masks").get(k).path("counts").asString(), height, width)
                .decodeRowMajor();
        boolean[] ambiguous = CocoRleCodec.decompress(reference.path("ambiguous").get(k).path("counts").asString(), height,
                width).decodeRowMajor();
        int differing = 0;
        for (int p = 0; p < actual.length; p++) {
            if (actual[p] != expected[p] && !ambiguous[p]) {
                differing++;
            }
        }
        return differing;
    }

    /** Runs the reference on every case written into {@code dir}. */
    public static void run(Path dir) {
        PythonReference.run("models/reference/sam_predictor_reference.py", "--bundle", DemoBundleFixture.dir().toString(),
                "--cases", dir.toString());
    }

    /** The reference answer of case {@code id}. */
    public static JsonNode answer(Path dir, String id) throws Exception {
        return JSON.readTree(dir.resolve(id + ".click.ref.json").toFile());
    }
}
