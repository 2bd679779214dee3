package com.fmawsss.api;

import com.fmawsss.api.inference.ResponseRenderer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fmawsss.cam.SyntheticImages;
import com.fmawsss.image.ImageLimits;
import com.fmawsss.image.LabelMap;
import com.fmawsss.image.LabelMapPng;
import com.fmawsss.image.RgbImage;
import com.fmawsss.image.RgbImages;
import com.fmawsss.scheduler.InferenceScheduler;
import com.fmawsss.scheduler.Priority;
import com.fmawsss.tensors.FloatTensor;
import com.fmawsss.tensors.Npy;
import com.fmawsss.tensors.NpyArray;
import com.fmawsss.tensors.Npz;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Every inference endpoint x format, and the bad-input table, through the real HTTP stack. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class InferenceApiTest {

    static final JsonMapper JSON = JsonMapper.builder().build();
    static final byte[] PNG = png(SyntheticImages.discs(72, 56, 7));

    @LocalServerPort int port;

    @Autowired InferenceScheduler scheduler;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("fma.scheduler.queue-capacity", () -> "4");
    }

    static byte[] png(RgbImage image) {
        return SyntheticImages.png(image);
    }

    static byte[] encode(BufferedImage image, String format) {
        return SyntheticImages.encode(image, format);
    }

    HttpResponse<byte[]> masks(byte[] image, String accept, String... fields) throws Exception {
        Multipart m = new Multipart().file("image", "x.png", "image/png", image);
        for (int i = 0; i < fields.length; i += 2) {
            m.field(fields[i], fields[i + 1]);
        }
        return m.post(port, "/v1/masks", accept);
    }

    static JsonNode json(HttpResponse<byte[]> response) {
        return JSON.readTree(new String(response.body(), StandardCharsets.UTF_8));
    }

    @Test
    void masksAsJsonCarryRleMasksScoresTimingsAndMetadata() throws Exception {
        HttpResponse<byte[]> response = masks(PNG, "application/json", "classes", "cat,dog", "classes", "red kite");
        assertThat(response.statusCode()).as(new String(response.body())).isEqualTo(200);
        JsonNode body = json(response);
        assertThat(body.path("width").asInt()).isEqualTo(72);
        assertThat(body.path("height").asInt()).isEqualTo(56);
        assertThat(body.path("classes").findValuesAsString("name")).containsExactly("background", "cat", "dog", "red kite");
        assertThat(body.path("masks")).hasSize(3);
        JsonNode first = body.path("masks").get(0);
        assertThat(first.path("rle").path("size").get(0).asInt()).isEqualTo(56);
        assertThat(first.path("rle").path("counts").isString()).isTrue();
        assertThat(body.path("scores").path("cat").path("probability").asDouble()).isBetween(0.0, 1.0);
        assertThat(body.path("timings").has("cam")).isTrue();
        JsonNode meta = body.path("metadata");
        assertThat(meta.path("bundle").path("demo").asBoolean()).isTrue();
        assertThat(meta.path("bundle").path("manifestSha256").asString()).hasSize(64);
        assertThat(meta.path("prompts").path("id").asString()).isEqualTo("manual-voc");
        assertThat(meta.path("parameters").path("cam").path("boxThreshold").asDouble()).isEqualTo(0.4);
        assertThat(meta.path("parameters").path("alpha").asDouble()).isEqualTo(0.6);
        assertThat(meta.path("parameters").path("amg").path("pointsPerSide").asInt()).isPositive();
        assertThat(meta.path("parameters").path("image").path("clipInput").get(0).asInt()).isEqualTo(64);
        long area = 0;
        for (JsonNode m : body.path("masks")) {
            area += m.path("area").asLong();
        }
        assertThat(area).isLessThanOrEqualTo(72L * 56);
    }

    @Test
    void masksAsPngAreVocPaletteLabelMapsOfTheImageSize() throws Exception {
        HttpResponse<byte[]> response = masks(PNG, "image/png", "classes", "person", "refine", "none");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("image/png");
        assertThat(response.headers().firstValue(ResponseRenderer.CLASS_TABLE)).hasValue("0=background,1=person");
        LabelMap map = LabelMapPng.decode(response.body(), ImageLimits.defaults());
        assertThat(map.width()).isEqualTo(72);
        assertThat(map.height()).isEqualTo(56);
        assertThat(java.util.Arrays.stream(map.labels()).allMatch(l -> l == 0 || l == 1)).isTrue();
    }

    @Test
    void seedsWithDebugOutputsInTheSpecFormat() throws Exception {
        HttpResponse<byte[]> response = new Multipart().file("image", "x.png", "image/png", PNG)
                .field("labels", "cat").field("labels", "dog").field("include", "cams,superpixels")
                .post(port, "/v1/seeds", null);
        assertThat(response.statusCode()).as(new String(response.body())).isEqualTo(200);
        JsonNode body = json(response);
        Map<String, NpyArray> cams = Npz.read(Base64.getDecoder().decode(body.path("cams").asString()), 1_000_000);
        assertThat(cams.keySet()).containsExactly("raw", "refined");
        assertThat(cams.get("raw").shape()).containsExactly(2, 4, 5);
        assertThat(cams.get("refined").dtype()).isEqualTo("<f4");
        assertThat(body.path("superpixels").size()).isPositive();
        JsonNode sp = body.path("superpixels").get(0);
        assertThat(sp.path("level").asInt()).isBetween(0, 2);
        assertThat(sp.has("predictedIou") && sp.has("stability")).isTrue();
        assertThat(sp.path("rle").path("size").get(1).asInt()).isEqualTo(72);
        HttpResponse<byte[]> png = new Multipart().file("image", "x.png", "image/png", PNG).field("labels", "cat")
                .post(port, "/v1/seeds", "image/png");
        assertThat(png.statusCode()).isEqualTo(200);
        assertThat(LabelMapPng.decode(png.body(), ImageLimits.defaults()).width()).isEqualTo(72);
    }

    @Test
    void refineAcceptsNpyNpzAndLabelPngs() throws Exception {
        float[] data = new float[2 * 7 * 9];
        for (int i = 0; i < data.length; i++) {
            data[i] = (i % 5) - 1.5f; // negative values are legal: SAMS applies ReLU
        }
        byte[] npy = Npy.write(NpyArray.of(FloatTensor.of(data, 2, 7, 9)));
        HttpResponse<byte[]> response = new Multipart().file("image", "x.png", "image/png", PNG)
                .file("scores", "s.npy", "application/octet-stream", npy).field("classes", "road,car").post(port, "/v1/refine", null);
        assertThat(response.statusCode()).as(new String(response.body())).isEqualTo(200);
        assertThat(json(response).path("classes").findValuesAsString("name")).containsExactly("background", "road", "car");
        byte[] npz = Npz.write(Map.of("scores", NpyArray.of(FloatTensor.of(data, 2, 7, 9))));
        HttpResponse<byte[]> fromNpz = new Multipart().file("image", "x.png", "image/png", PNG)
                .file("scores", "s.npz", "application/zip", npz).field("classes", "road,car").post(port, "/v1/refine", "image/png");
        assertThat(fromNpz.statusCode()).isEqualTo(200);
        int[] labels = new int[72 * 56];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = i % 72 < 36 ? 1 : 0;
        }
        HttpResponse<byte[]> fromPng = new Multipart().file("image", "x.png", "image/png", PNG)
                .file("labels", "l.png", "image/png", LabelMapPng.encode(labels, 72, 56)).field("classes", "sky")
                .post(port, "/v1/refine", "image/png");
        assertThat(fromPng.statusCode()).as(new String(fromPng.body())).isEqualTo(200);
        assertThat(LabelMapPng.decode(fromPng.body(), ImageLimits.defaults()).height()).isEqualTo(56);
    }

    static byte[] npyOf(String dtype, int[] shape, int bytes) {
        return Npy.write(new NpyArray(dtype, shape, new byte[bytes]));
    }

    static byte[] floats(float... values) {
        return Npy.write(NpyArray.of(FloatTensor.of(values, 1, 1, values.length)));
    }

    static Stream<Arguments> badInputs() {
        byte[] jpeg = encode(RgbImages.toBufferedImage(SyntheticImages.discs(40, 30, 3)), "jpeg");
        byte[] tiny = png(new RgbImage(1, 1, new byte[3]));
        byte[] truncated = java.util.Arrays.copyOf(PNG, PNG.length / 2);
        byte[] hugePng = hugePngHeader();
        byte[] gif = encode(RgbImages.toBufferedImage(SyntheticImages.discs(20, 20, 4)), "gif");
        byte[] random = new byte[500];
        new java.util.Random(5).nextBytes(random);
        String many = String.join(",", java.util.stream.IntStream.range(0, 2000).mapToObj(i -> "c" + i).toList());
        return Stream.of(
                Arguments.of("zero-byte image", "/v1/masks", parts(new byte[0], "classes", "cat"), 400, "invalid-request"),
                Arguments.of("truncated PNG", "/v1/masks", parts(truncated, "classes", "cat"), 400, "corrupt-image"),
                Arguments.of("random bytes", "/v1/masks", parts(random, "classes", "cat"), 415, "unsupported-media-type"),
                Arguments.of("GIF", "/v1/masks", parts(gif, "classes", "cat"), 415, "unsupported-media-type"),
                Arguments.of("1x1 image", "/v1/masks", parts(tiny, "classes", "cat"), 422, "image-too-small"),
                Arguments.of("20000x20000 header", "/v1/masks", parts(hugePng, "classes", "cat"), 413, "too-many-pixels"),
                Arguments.of("no classes", "/v1/masks", parts(PNG), 422, "invalid-classes"),
                Arguments.of("empty class list", "/v1/masks", parts(PNG, "classes", ""), 422, "invalid-classes"),
                Arguments.of("blank class", "/v1/masks", parts(PNG, "classes", "cat, ,dog"), 422, "invalid-classes"),
                Arguments.of("duplicate classes", "/v1/masks", parts(PNG, "classes", "cat,Cat"), 422, "invalid-classes"),
                Arguments.of("2000 classes", "/v1/masks", parts(PNG, "classes", many), 422, "invalid-classes"),
                Arguments.of("overlong class", "/v1/masks", parts(PNG, "classes", "x".repeat(500)), 422, "invalid-classes"),
                Arguments.of("bad refine", "/v1/masks", parts(PNG, "classes", "cat", "refine", "banana"), 400, "invalid-request"),
                Arguments.of("unknown prompt version", "/v1/masks", parts(PNG, "classes", "cat", "prompts", "v999"), 422,
                        "unknown-prompt-version"),
                Arguments.of("missing image", "/v1/masks", fieldsOnly("classes", "cat"), 400, "invalid-request"),
                Arguments.of("unknown seed label", "/v1/seeds", parts(PNG, "labels", "unicorn"), 422, "unknown-class"),
                Arguments.of("no seed labels", "/v1/seeds", parts(PNG), 422, "invalid-classes"),
                Arguments.of("bad include", "/v1/seeds", parts(PNG, "labels", "cat", "include", "masks"), 400, "invalid-request"),
                Arguments.of("NaN scores", "/v1/refine", refine(floats(1f, Float.NaN), "a"), 422, "malformed-score-map"),
                Arguments.of("Inf scores", "/v1/refine", refine(floats(Float.POSITIVE_INFINITY, 1f), "a"), 422, "malformed-score-map"),
                Arguments.of("float64 scores", "/v1/refine", refine(npyOf("<f8", new int[] {1, 2, 2}, 32), "a"), 422,
                        "malformed-score-map"),
                Arguments.of("2-D scores", "/v1/refine", refine(Npy.write(NpyArray.of(FloatTensor.of(new float[4], 2, 2))), "a"), 422,
                        "malformed-score-map"),
                Arguments.of("channel count mismatch", "/v1/refine", refine(floats(1f, 2f), "a", "b"), 422, "malformed-score-map"),
                Arguments.of("garbage npy", "/v1/refine", refine("not an array".getBytes(StandardCharsets.UTF_8), "a"), 422,
                        "malformed-score-map"),
                Arguments.of("truncated npy", "/v1/refine", refine(java.util.Arrays.copyOf(floats(1f, 2f, 3f), 100), "a"), 422,
                        "malformed-score-map"),
                Arguments.of("npz without 'scores'", "/v1/refine", refine(Npz.write(new LinkedHashMap<>(Map.of(
                        "a", NpyArray.of(FloatTensor.of(new float[1], 1, 1, 1)),
                        "b", NpyArray.of(FloatTensor.of(new float[1], 1, 1, 1))))), "a"), 422, "malformed-score-map"),
                Arguments.of("scores and labels both", "/v1/refine", refineBoth(), 400, "invalid-request"),
                Arguments.of("neither scores nor labels", "/v1/refine", parts(PNG, "classes", "a"), 400, "invalid-request"),
                Arguments.of("label PNG of another size", "/v1/refine", refineLabels(LabelMapPng.encode(new int[6], 3, 2)), 422,
                        "malformed-score-map"),
                Arguments.of("label PNG with an unknown label", "/v1/refine", refineLabels(LabelMapPng.encode(labelsOf(7), 72, 56)),
                        422, "malformed-score-map"),
                Arguments.of("alpha out of range", "/v1/refine", refineWith("alpha", "-1"), 400, "invalid-request"),
                Arguments.of("JPEG called .png", "/v1/masks", parts(jpeg, "classes", "cat"), 200, null));
    }

    static int[] labelsOf(int value) {
        int[] labels = new int[72 * 56];
        java.util.Arrays.fill(labels, value);
        return labels;
    }

    static byte[] hugePngHeader() {
        // Signature + IHDR declaring 20000 x 20000 RGB; no image data (never decoded).
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        byte[] ihdr = java.nio.ByteBuffer.allocate(13).putInt(20000).putInt(20000).put((byte) 8).put((byte) 2)
                .put((byte) 0).put((byte) 0).put((byte) 0).array();
        out.writeBytes(java.nio.ByteBuffer.allocate(4).putInt(13).array());
        byte[] typeAndData = new byte[17];
        System.arraycopy("IHDR".getBytes(StandardCharsets.US_ASCII), 0, typeAndData, 0, 4);
        System.arraycopy(ihdr, 0, typeAndData, 4, 13);
        out.writeBytes(typeAndData);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(typeAndData);
        out.writeBytes(java.nio.ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
        // An empty IDAT and IEND make the file structurally complete; only the declared size is wrong.
        for (String type : new String[] {"IDAT", "IEND"}) {
            out.writeBytes(new byte[4]);
            byte[] t = type.getBytes(StandardCharsets.US_ASCII);
            out.writeBytes(t);
            java.util.zip.CRC32 c = new java.util.zip.CRC32();
            c.update(t);
            out.writeBytes(java.nio.ByteBuffer.allocate(4).putInt((int) c.getValue()).array());
        }
        return out.toByteArray();
    }

    record Parts(byte[] image, byte[] scores, byte[] labels, String[] fields) {}

    static Parts parts(byte[] image, String... fields) {
        return new Parts(image, null, null, fields);
    }

    static Parts fieldsOnly(String... fields) {
        return new Parts(null, null, null, fields);
    }

    static Parts refine(byte[] scores, String... classes) {
        return new Parts(PNG, scores, null, new String[] {"classes", String.join(",", classes)});
    }

    static Parts refineBoth() {
        return new Parts(PNG, floats(1f), LabelMapPng.encode(new int[72 * 56], 72, 56), new String[] {"classes", "a"});
    }

    static Parts refineLabels(byte[] labels) {
        return new Parts(PNG, null, labels, new String[] {"classes", "a"});
    }

    static Parts refineWith(String field, String value) {
        return new Parts(PNG, floats(1f), null, new String[] {"classes", "a", field, value});
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badInputs")
    void badInputGetsAProblemNeverA500(String name, String path, Parts parts, int status, String type) throws Exception {
        Multipart m = new Multipart();
        if (parts.image() != null) {
            m.file("image", "upload.png", "image/png", parts.image());
        }
        if (parts.scores() != null) {
            m.file("scores", "scores.npy", "application/octet-stream", parts.scores());
        }
        if (parts.labels() != null) {
            m.file("labels", "labels.png", "image/png", parts.labels());
        }
        for (int i = 0; i < parts.fields().length; i += 2) {
            m.field(parts.fields()[i], parts.fields()[i + 1]);
        }
        HttpResponse<byte[]> response = m.post(port, path, null);
        String body = new String(response.body(), StandardCharsets.UTF_8);
        assertThat(response.statusCode()).as(name + ": " + body).isEqualTo(status);
        if (type != null) {
            assertProblem(response, type);
        }
    }

    static void assertProblem(HttpResponse<byte[]> response, String type) {
        ProblemAssertions.assertProblem(response, type);
    }

    @Test
    void transportLevelMistakesAreProblemsToo() throws Exception {
        HttpResponse<byte[]> json = Multipart.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/v1/masks"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}")).build());
        assertThat(json.statusCode()).isEqualTo(415);
        assertProblem(json, "unsupported-media-type");
        HttpResponse<byte[]> get = Multipart.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/v1/masks")).GET().build());
        assertThat(get.statusCode()).isEqualTo(405);
        assertProblem(get, "not-found");
        HttpResponse<byte[]> html = masks(PNG, "text/html", "classes", "cat");
        assertThat(html.statusCode()).isEqualTo(406);
        assertProblem(html, "not-acceptable");
        byte[] big = new byte[26 * 1024 * 1024];
        HttpResponse<byte[]> tooLarge = masks(big, null, "classes", "cat");
        assertThat(tooLarge.statusCode()).isEqualTo(413);
        assertProblem(tooLarge, "payload-too-large");
    }

    @Test
    void thirtyTwoParallelClientsSeeOnly200Or429AndTheQueueDrains() throws Exception {
        byte[] image = png(SyntheticImages.discs(64, 48, 99));
        assertThat(masks(image, null, "classes", "cat").statusCode()).isEqualTo(200); // warms the superpixel cache
        // The only worker is busy, so the 32 requests meet a full queue: 4 wait, 28 are refused.
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch entered = new java.util.concurrent.CountDownLatch(1);
        var blocker = scheduler.submit(Priority.INTERACTIVE, () -> {
            entered.countDown();
            release.await();
            return "released";
        });
        entered.await();
        ExecutorService pool = Executors.newFixedThreadPool(32);
        try {
            List<Future<HttpResponse<byte[]>>> futures = new ArrayList<>();
            for (int i = 0; i < 32; i++) {
                futures.add(pool.submit(() -> masks(image, null, "classes", "cat")));
            }
            long end = System.nanoTime() + java.time.Duration.ofSeconds(60).toNanos();
            while (futures.stream().filter(Future::isDone).count() < 28 || scheduler.queueDepth(Priority.INTERACTIVE) < 4) {
                assertThat(System.nanoTime() - end).as("the queue did not fill within 60 s").isNegative();
                Thread.sleep(10);
            }
            release.countDown();
            List<Integer> statuses = new ArrayList<>();
            for (Future<HttpResponse<byte[]>> f : futures) {
                HttpResponse<byte[]> r = f.get();
                statuses.add(r.statusCode());
                if (r.statusCode() == 429) {
                    assertThat(r.headers().firstValue("Retry-After")).isPresent();
                    assertProblem(r, "queue-full");
                }
            }
            assertThat(statuses).containsOnly(200, 429);
            assertThat(statuses.stream().filter(s -> s == 429).count()).isEqualTo(28);
            assertThat(statuses.stream().filter(s -> s == 200).count()).isEqualTo(4);
            assertThat(blocker.get()).isEqualTo("released");
        } finally {
            release.countDown();
            pool.shutdown();
        }
        assertThat(scheduler.queueDepth(Priority.INTERACTIVE)).isZero();
        assertThat(scheduler.inFlight()).isZero();
    }
}
