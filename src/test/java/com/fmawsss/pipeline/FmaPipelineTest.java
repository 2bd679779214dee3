package com.fmawsss.pipeline;

import com.fmawsss.masks.CocoRleCodec;
import static org.assertj.core.api.Assertions.assertThat;

import com.fmawsss.DemoBundleFixture;
import com.fmawsss.PythonReference;
import com.fmawsss.cam.CamEngine;
import com.fmawsss.cam.SyntheticImages;
import com.fmawsss.clip.PromptSelection;
import com.fmawsss.image.RgbImage;
import com.fmawsss.prompts.PromptSet;
import com.fmawsss.prompts.Vocabulary;
import com.fmawsss.sam.AmgSettings;
import com.fmawsss.sam.QuasiSuperpixelService;
import com.fmawsss.sam.QuasiSuperpixel;
import com.fmawsss.tensors.Npy;
import com.fmawsss.tensors.NpyArray;
import com.fmawsss.tensors.Npz;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** CAM engine + SAM engine + SAMS on one image, checked against the Python SAMS reference. */
class FmaPipelineTest {

    /** The random SAM's masks overlap heavily: without NMS and quality thresholds enough of them survive. */
    static final AmgSettings RELAXED = new AmgSettings(8, 256, 0.0, new double[] {0, 0, 0.1}, 0.0, 1.0, 1.0,
            new double[] {0, 0, 1}, 1, 1.0, 512.0 / 1500.0, 2, 100, 0.3, 0.0);

    @Test
    void seedMapOfAnImageAndItsLabelsMatchesTheReferenceSams(@TempDir Path dir) throws Exception {
        RgbImage image = SyntheticImages.discs(120, 90, 31);
        FmaPipeline pipeline = new FmaPipeline(new CamEngine(DemoBundleFixture.bundle()),
                new QuasiSuperpixelService(DemoBundleFixture.bundle(), 16 << 20, null));
        PromptSelection selection = PromptSelection.of(PromptSet.manual(Vocabulary.voc()), List.of("cat", "person"));
        PipelineResult result = pipeline.seed(image, "pipeline-31", selection, RELAXED);

        assertThat(result.alpha()).isEqualTo(0.6);
        assertThat(result.seedMap().width()).isEqualTo(120);
        assertThat(result.seedMap().height()).isEqualTo(90);
        assertThat(java.util.Arrays.stream(result.seedMap().labels()).allMatch(l -> l >= 0 && l <= 2)).isTrue();
        assertThat(result.superpixels()).isNotEmpty();
        // Random weights, but the classification is not degenerate: some superpixels get a class.
        assertThat(result.seedMap().decisions()).anyMatch(d -> d.label() > 0);
        assertThat(result.timingsMillis()).containsKeys("cam", "superpixels", "sams");

        JsonMapper json = JsonMapper.builder().build();
        ObjectNode masks = json.createObjectNode();
        ArrayNode array = masks.putArray("masks");
        for (QuasiSuperpixel q : result.superpixels()) {
            ObjectNode m = array.addObject();
            m.putObject("rle").put("counts", CocoRleCodec.compress(q.mask())).putArray("size").add(90).add(120);
            m.put("level", q.level()).put("predictedIou", q.predictedIou()).put("stability", q.stability());
        }
        Files.writeString(dir.resolve("p.masks.json"), json.writeValueAsString(masks));
        Files.write(dir.resolve("p.scores.npy"), Npy.write(NpyArray.of(result.cams().refined())));
        Files.writeString(dir.resolve("p.sams.json"), "{\"id\": \"p\", \"masks\": \"p.masks.json\", \"scores\": "
                + "\"p.scores.npy\", \"height\": 90, \"width\": 120, \"alpha\": 0.6}");
        PythonReference.run("models/reference/sams_reference.py", "--cases", dir.toString());
        int[] expected = Npz.read(Files.readAllBytes(dir.resolve("p.sams.ref.npz")), 1_000_000).get("labels").toUnsignedBytes();
        assertThat(result.seedMap().labels()).containsExactly(expected);
    }
}
