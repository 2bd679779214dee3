package com.fmawsss.sams;

import com.fmawsss.masks.CocoRleCodec;
import static org.assertj.core.api.Assertions.assertThat;

import com.fmawsss.PythonReference;
import com.fmawsss.masks.CocoRle;
import com.fmawsss.masks.RandomMasks;
import com.fmawsss.tensors.FloatTensor;
import com.fmawsss.tensors.Npy;
import com.fmawsss.tensors.NpyArray;
import com.fmawsss.tensors.Npz;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;
import com.fmawsss.sam.QuasiSuperpixel;

/**
 * {@link SamsSeeder} (after {@link ScoreMaps} upsampling) against
 * {@code models/reference/sams_reference.py}, an independent NumPy/torch implementation: on random
 * SAM-like masks and random patch-grid score maps the seed maps and mask labels are identical and
 * the confidences agree within {@code 1e-5}.
 */
class SamsReferenceEquivalenceTest {

    private static final String SCRIPT = "models/reference/sams_reference.py";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** One case: image size, patch grid of the scores, classes, masks, alpha. */
    private record Case(String id, int height, int width, int gridHeight, int gridWidth, int classes, int masks,
            double alpha) {}

    private static final List<Case> CASES = List.of(
            new Case("voc_like", 120, 160, 8, 10, 3, 30, SamsSeeder.ALPHA_COARSE),
            new Case("fine_odd_size", 75, 113, 5, 8, 2, 24, SamsSeeder.ALPHA_FINE),
            new Case("many_classes", 96, 64, 6, 4, 6, 40, SamsSeeder.ALPHA_COARSE),
            new Case("full_resolution", 40, 52, 40, 52, 4, 20, SamsSeeder.ALPHA_FINE),
            new Case("one_class_alpha_one", 224, 224, 14, 14, 1, 35, 1.0),
            new Case("downsampled", 30, 20, 45, 33, 2, 12, 0.6),
            new Case("single_mask", 50, 60, 4, 4, 3, 1, 0.6),
            new Case("no_masks", 33, 44, 3, 3, 2, 0, 0.6),
            new Case("no_classes", 20, 30, 2, 2, 0, 6, 0.7));

    private record Input(List<QuasiSuperpixel> masks, FloatTensor scores) {}

    @Test
    void seedMapsMatchTheReference(@TempDir Path dir) throws IOException {
        SplittableRandom random = new SplittableRandom(314);
        List<Input> inputs = new ArrayList<>();
        for (Case c : CASES) {
            Input input = randomInput(random, c);
            inputs.add(input);
            writeCase(dir, c, input);
        }
        PythonReference.run(SCRIPT, "--cases", dir.toString());
        double worstConfidence = 0;
        long pixels = 0;
        int masks = 0;
        for (int k = 0; k < CASES.size(); k++) {
            Case c = CASES.get(k);
            Input input = inputs.get(k);
            FloatTensor full = ScoreMaps.upsampleBilinear(input.scores(), c.height(), c.width());
            SeedMap seeds = SamsSeeder.seed(input.masks(), full, c.alpha());
            Map<String, NpyArray> ref = Npz.read(Files.readAllBytes(dir.resolve(c.id() + ".sams.ref.npz")), 10_000_000);
            assertThat(ref.get("labels").shape()).containsExactly(c.height(), c.width());
            assertThat(seeds.labels()).as(c.id() + " seed map").isEqualTo(ref.get("labels").toUnsignedBytes());
            long[] refLabels = int64(ref.get("maskLabels"));
            float[] refConfidence = ref.get("confidence").toFloatTensor().data();
            assertThat(refLabels).hasSize(c.masks());
            for (int i = 0; i < c.masks(); i++) {
                MaskDecision d = seeds.decisions().get(i);
                assertThat((long) d.label()).as("%s mask %d label", c.id(), i).isEqualTo(refLabels[i]);
                double error = Math.abs((double) d.confidence() - refConfidence[i]);
                assertThat(error).as("%s mask %d confidence", c.id(), i).isLessThanOrEqualTo(1e-5);
                worstConfidence = Math.max(worstConfidence, error);
            }
            pixels += (long) c.height() * c.width();
            masks += c.masks();
        }
        System.out.printf("SAMS vs sams_reference.py: %d cases, %d masks, %d pixels identical; "
                + "max |confidence error| = %.2e%n", CASES.size(), masks, pixels, worstConfidence);
    }

    private static Input randomInput(SplittableRandom random, Case c) {
        List<QuasiSuperpixel> masks = new ArrayList<>();
        for (int i = 0; i < c.masks(); i++) {
            int level = random.nextInt(3);
            // Whole masks are larger, like SAM's; one mask in the first case is empty.
            boolean[] pixels = c.id().equals("voc_like") && i == 7
                    ? new boolean[c.height() * c.width()]
                    : RandomMasks.blobs(random, c.height(), c.width(), level + 1);
            masks.add(new QuasiSuperpixel(CocoRle.encode(pixels, c.height(), c.width()), level,
                    (float) random.nextDouble(0.7, 1), (float) random.nextDouble(0.9, 1)));
        }
        float[] scores = new float[c.classes() * c.gridHeight() * c.gridWidth()];
        for (int i = 0; i < scores.length; i++) {
            scores[i] = (float) random.nextDouble(-0.5, 1.5);
        }
        return new Input(masks, FloatTensor.of(scores, c.classes(), c.gridHeight(), c.gridWidth()));
    }

    private static void writeCase(Path dir, Case c, Input input) throws IOException {
        ObjectNode masksJson = JSON.createObjectNode();
        ArrayNode list = masksJson.putArray("masks");
        for (QuasiSuperpixel q : input.masks()) {
            ObjectNode m = list.addObject();
            ObjectNode rle = m.putObject("rle");
            rle.putArray("size").add(q.mask().height()).add(q.mask().width());
            rle.put("counts", CocoRleCodec.compress(q.mask()));
            m.put("level", q.level()).put("predictedIou", q.predictedIou()).put("stability", q.stability());
        }
        Files.writeString(dir.resolve(c.id() + ".masks.json"), JSON.writeValueAsString(masksJson));
        Files.write(dir.resolve(c.id() + ".scores.npy"), Npy.write(NpyArray.of(input.scores())));
        ObjectNode caseJson = JSON.createObjectNode();
        caseJson.put("id", c.id()).put("masks", c.id() + ".masks.json").put("scores", c.id() + ".scores.npy")
                .put("height", c.height()).put("width", c.width()).put("alpha", c.alpha());
        Files.writeString(dir.resolve(c.id() + ".sams.json"), JSON.writeValueAsString(caseJson));
    }

    private static long[] int64(NpyArray array) {
        assertThat(array.dtype()).isEqualTo("<i8");
        long[] values = new long[array.bytes().length / 8];
        ByteBuffer.wrap(array.bytes()).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(values);
        return values;
    }
}
