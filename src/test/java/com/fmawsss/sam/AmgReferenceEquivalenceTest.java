package com.fmawsss.sam;

import com.fmawsss.masks.CocoRleCodec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fmawsss.DemoBundleFixture;
import com.fmawsss.PythonReference;
import com.fmawsss.cam.SyntheticImages;
import com.fmawsss.image.RgbImage;
import com.fmawsss.masks.CocoRle;
import com.fmawsss.sam.QuasiSuperpixel;
import com.fmawsss.tensors.Npy;
import com.fmawsss.tensors.NpyArray;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Java automatic mask generation vs. {@code models/reference/sam_reference.py} (HF SamModel run
 * eagerly, SAM's algorithm re-implemented independently): same masks pixel for pixel, same levels
 * and order, scores within 1e-4.
 *
 * <p>The demo bundle's random SAM has logits within about ±0.4, so the default stability offset
 * (1.0) and IoU threshold leave no mask at all; these cases use small offsets and permissive NMS so
 * that dozens of masks of all levels go through every stage.
 */
class AmgReferenceEquivalenceTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static AmgSettings settings(int pointsPerSide, int cropLayers, double boxNms, double filter) {
        return settings(pointsPerSide, cropLayers, boxNms, filter, 0.1);
    }

    private static AmgSettings settings(int pointsPerSide, int cropLayers, double boxNms, double filter, double wholeOffset) {
        // 8 points per decoder call (the service's on a CPU), so the grids span several calls.
        return new AmgSettings(pointsPerSide, 8, 0.01, new double[] {0, 0, wholeOffset}, 0.5, 0.03, boxNms,
                new double[] {0, 0, 1}, cropLayers, boxNms, 512.0 / 1500.0, 2, 100, filter, 0.0);
    }

    @Test
    void masksLevelsAndScoresMatchTheReference(@TempDir Path dir) throws Exception {
        Map<String, Object[]> cases = new LinkedHashMap<>();
        // Crops and crop-edge dropping (the random masks' boxes nearly coincide, so NMS would keep one).
        cases.put("crops", new Object[] {SyntheticImages.discs(128, 96, 41), settings(8, 1, 1.0, 1.01)});
        // The random SAM's whole masks cover the image and would filter everything else out: wholes are
        // excluded here (IoU threshold above 1) so the part > subpart filter has work to do.
        cases.put("filter", new Object[] {SyntheticImages.discs(150, 110, 42), settings(8, 0, 1.0, 0.3, -2.0)});
        cases.put("unfiltered", new Object[] {SyntheticImages.discs(100, 100, 43), settings(6, 0, 1.0, 1.01)});
        SamPredictor predictor = new SamPredictor(DemoBundleFixture.bundle());
        SamPreprocessor preprocessor = new SamPreprocessor(DemoBundleFixture.bundle().manifest().sam());
        // One upscaled mask at a time: the chunked post-processing must give the reference's masks.
        QuasiSuperpixelGenerator generator = new QuasiSuperpixelGenerator(predictor, preprocessor,
                new ImageEmbeddings(predictor, preprocessor, "", 0), 1);
        Map<String, List<QuasiSuperpixel>> java = new LinkedHashMap<>();
        for (var e : cases.entrySet()) {
            RgbImage image = (RgbImage) e.getValue()[0];
            AmgSettings s = (AmgSettings) e.getValue()[1];
            java.put(e.getKey(), generator.generate(image, s));
            Files.write(dir.resolve(e.getKey() + ".npy"), Npy.write(NpyArray.ofUint8(image.rgb(), image.height(), image.width(), 3)));
            ObjectNode c = JSON.createObjectNode();
            c.put("id", e.getKey()).put("image", e.getKey() + ".npy");
            ObjectNode js = c.putObject("settings");
            js.put("pointsPerSide", s.pointsPerSide()).put("pointsPerBatch", s.pointsPerBatch())
                    .put("predIouThresh", s.predIouThresh()).put("stabilityThresh", s.stabilityThresh())
                    .put("stabilityOffset", s.stabilityOffset()).put("boxNmsThresh", s.boxNmsThresh())
                    .put("cropNLayers", s.cropNLayers()).put("cropNmsThresh", s.cropNmsThresh())
                    .put("cropOverlapRatio", s.cropOverlapRatio()).put("cropPointDownscale", s.cropPointDownscale())
                    .put("minMaskRegionArea", s.minMaskRegionArea()).put("overlapFilterThreshold", s.overlapFilterThreshold())
                    .put("maskThreshold", s.maskThreshold());
            var offsets = js.putArray("levelIouOffsets");
            for (double v : s.levelIouOffsets()) {
                offsets.add(v);
            }
            var bonus = js.putArray("levelNmsBonus");
            for (double v : s.levelNmsBonus()) {
                bonus.add(v);
            }
            Files.writeString(dir.resolve(e.getKey() + ".amg.json"), JSON.writeValueAsString(c));
        }
        PythonReference.run("models/reference/sam_reference.py", "--bundle", DemoBundleFixture.dir().toString(),
                "--cases", dir.toString());
        long totalDiffering = 0;
        long totalPixels = 0;
        for (var e : java.entrySet()) {
            JsonNode ref = JSON.readTree(dir.resolve(e.getKey() + ".amg.ref.json").toFile()).path("masks");
            List<QuasiSuperpixel> masks = e.getValue();
            System.out.printf("%s: %d masks (java), %d (reference); levels %s%n", e.getKey(), masks.size(), ref.size(),
                    masks.stream().map(QuasiSuperpixel::level).toList());
            assertThat(masks).as(e.getKey()).hasSize(ref.size());
            assertThat(masks.size()).as(e.getKey() + " exercises the pipeline").isGreaterThan(3);
            for (int i = 0; i < masks.size(); i++) {
                JsonNode r = ref.get(i);
                QuasiSuperpixel m = masks.get(i);
                assertThat(m.level()).as("%s mask %d level", e.getKey(), i).isEqualTo(r.path("level").asInt());
                CocoRle expected = CocoRleCodec.decompress(
                        r.path("rle").path("counts").asString(), m.mask().height(), m.mask().width());
                boolean[] ambiguous = CocoRleCodec.decompress(r.path("ambiguous").path("counts").asString(),
                        m.mask().height(), m.mask().width()).decodeRowMajor();
                boolean[] mine = m.mask().decodeRowMajor();
                boolean[] theirs = expected.decodeRowMajor();
                int differing = 0;
                int decisive = 0;
                for (int p = 0; p < mine.length; p++) {
                    if (mine[p] != theirs[p]) {
                        differing++;
                        decisive += ambiguous[p] ? 0 : 1;
                    }
                }
                totalDiffering += differing;
                totalPixels += mine.length;
                // Identical wherever the reference logit is decisive (|logit| >= 1e-5); pixels within
                // float noise of the threshold may fall either way between two runtimes.
                assertThat(decisive).as("%s mask %d: pixels differing where the reference logit is decisive",
                        e.getKey(), i).isZero();
                assertThat((double) m.predictedIou()).isCloseTo(r.path("predictedIou").asDouble(), within(1e-4));
                assertThat((double) m.stability()).isCloseTo(r.path("stability").asDouble(), within(1e-4));
            }
        }
        System.out.printf("mask pixels differing from the reference (all ambiguous): %d of %d%n", totalDiffering, totalPixels);
    }
}
