package com.fmawsss.tensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fmawsss.PythonReference;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The {@code .pth} reader against files written by real {@code torch.save} and against damaged and
 * hostile ones ({@code models/reference/torch_checkpoint_reference.py}): accepted files give
 * exactly what {@code torch.load} gives; everything else is refused with a {@link
 * TensorFormatException} naming the reason, and no pickle is ever executed.
 */
class TorchCheckpointTest {

    static final TorchCheckpoint.Limits LIMITS = new TorchCheckpoint.Limits(1 << 20, 1L << 24);
    static Path dir;
    static JsonNode cases;

    @BeforeAll
    static void writeCheckpoints() throws IOException {
        dir = Files.createTempDirectory("fma-torch-ckpt-");
        PythonReference.run("models/reference/torch_checkpoint_reference.py", "--out", dir.toString());
        cases = JsonMapper.builder().build().readTree(dir.resolve("cases.json").toFile());
    }

    @AfterAll
    static void nothingWasExecuted() {
        // The hostile pickles would have created this file.
        assertThat(dir.resolve("pwned")).doesNotExist();
    }

    static Stream<Arguments> accepted() {
        return cases("ok");
    }

    static Stream<Arguments> refused() {
        return cases("refused");
    }

    private static Stream<Arguments> cases(String expect) {
        List<Arguments> out = new ArrayList<>();
        cases.properties().forEach(c -> {
            if (c.getValue().path("expect").asString().equals(expect)) {
                out.add(Arguments.of(c.getKey(), c.getValue()));
            }
        });
        assertThat(out).isNotEmpty();
        return out.stream();
    }

    /** Every tensor of the file, read as the service reads them. */
    static Map<String, FloatTensor> readAll(Path file) {
        Map<String, FloatTensor> tensors = new LinkedHashMap<>();
        try (TorchCheckpoint checkpoint = TorchCheckpoint.open(file, LIMITS)) {
            for (String name : checkpoint.names()) {
                tensors.put(name, checkpoint.read(name));
            }
        }
        return tensors;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("accepted")
    void readsWhatTorchLoadReads(String name, JsonNode spec) throws IOException {
        Map<String, FloatTensor> tensors = readAll(dir.resolve(name + ".pth"));
        Map<String, NpyArray> expected = Npz.read(Files.readAllBytes(dir.resolve(name + ".npz")), 1L << 24);
        List<String> order = new ArrayList<>();
        spec.path("tensors").forEach(t -> order.add(t.asString()));
        assertThat(tensors.keySet()).containsExactlyElementsOf(order);
        for (int i = 0; i < order.size(); i++) {
            String tensor = order.get(i);
            FloatTensor reference = expected.get(tensor).toFloatTensor();
            int[] shape = new int[spec.path("shapes").get(i).size()];
            for (int d = 0; d < shape.length; d++) {
                shape[d] = spec.path("shapes").get(i).get(d).asInt();
            }
            assertThat(tensors.get(tensor).shape()).as(tensor).isEqualTo(shape);
            // Exact: float16 and bfloat16 widen to float32 without rounding.
            assertThat(tensors.get(tensor).data()).as(tensor).isEqualTo(reference.data());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void refusesWithTheReason(String name, JsonNode spec) {
        assertThatThrownBy(() -> readAll(dir.resolve(name + ".pth")))
                .isInstanceOf(TensorFormatException.class)
                .hasMessageContaining(spec.path("message").asString());
    }

    @Test
    void viewsShareTheirStorage() {
        Map<String, FloatTensor> views = readAll(dir.resolve("views.pth"));
        FloatTensor whole = views.get("whole");
        assertThat(whole.shape()).containsExactly(6, 5);
        // t[2], t[:, 1:4], t.t(), t[::2, ::2] computed here from the whole tensor.
        assertThat(views.get("row").data()).isEqualTo(whole.slice(2));
        float[] data = whole.data();
        float[] transposed = new float[30];
        float[] strided = new float[9];
        for (int r = 0; r < 6; r++) {
            for (int c = 0; c < 5; c++) {
                transposed[c * 6 + r] = data[r * 5 + c];
                if (r % 2 == 0 && c % 2 == 0) {
                    strided[(r / 2) * 3 + c / 2] = data[r * 5 + c];
                }
            }
        }
        assertThat(views.get("transposed").data()).isEqualTo(transposed);
        assertThat(views.get("strided").data()).isEqualTo(strided);
        assertThat(views.get("cols").data()[0]).isEqualTo(data[1]);
        assertThat(views.get("scalar").shape()).isEmpty();
        assertThat(views.get("scalar").data()).containsExactly(3.5f);
        assertThat(views.get("empty").shape()).containsExactly(0, 4);
    }

    @Test
    void mutatedCheckpointsOnlyParseOrFailCleanly() throws IOException {
        Path valid = dir.resolve("fma-voc-seg.pth");
        byte[] file = Files.readAllBytes(valid);
        Map<String, byte[]> records = new LinkedHashMap<>();
        try (ZipFile zip = new ZipFile(valid.toFile())) {
            zip.stream().forEach(e -> {
                try (var in = zip.getInputStream(e)) {
                    records.put(e.getName(), in.readAllBytes());
                } catch (IOException ex) {
                    throw new AssertionError(ex);
                }
            });
        }
        String pickleName = records.keySet().stream().filter(n -> n.endsWith("/data.pkl")).findFirst().orElseThrow();
        Path mutant = dir.resolve("mutant.pth");
        int[] outcomes = new int[2];
        assertTimeoutPreemptively(Duration.ofMinutes(3), () -> {
            SplittableRandom random = new SplittableRandom(2026);
            for (int i = 0; i < 1500; i++) {
                if (i % 2 == 0) {
                    // The pickle itself, inside an intact archive.
                    Map<String, byte[]> changed = new LinkedHashMap<>(records);
                    changed.put(pickleName, mutate(records.get(pickleName), random));
                    Files.write(mutant, zip(changed));
                } else {
                    Files.write(mutant, mutate(file, random));
                }
                try {
                    readAll(mutant);
                    outcomes[0]++;
                } catch (TensorFormatException expected) {
                    outcomes[1]++;
                }
            }
        });
        // Both outcomes occur: the mutations are neither all harmless nor all fatal.
        assertThat(outcomes[0]).isPositive();
        assertThat(outcomes[1]).isPositive();
    }

    private static byte[] mutate(byte[] valid, SplittableRandom random) {
        byte[] out = valid.clone();
        switch (random.nextInt(3)) {
            case 0 -> out[random.nextInt(out.length)] ^= (byte) (1 << random.nextInt(8));
            case 1 -> out = Arrays.copyOf(out, random.nextInt(out.length));
            default -> {
                for (int i = 0; i < 1 + random.nextInt(4); i++) {
                    out[random.nextInt(out.length)] = (byte) random.nextInt(256);
                }
            }
        }
        return out;
    }

    private static byte[] zip(Map<String, byte[]> records) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (Map.Entry<String, byte[]> record : records.entrySet()) {
                zip.putNextEntry(new ZipEntry(record.getKey()));
                zip.write(record.getValue());
                zip.closeEntry();
            }
        }
        return bytes.toByteArray();
    }
}
