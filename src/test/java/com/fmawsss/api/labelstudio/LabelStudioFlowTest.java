package com.fmawsss.api.labelstudio;

import static org.assertj.core.api.Assertions.assertThat;

import com.fmawsss.api.Multipart;
import com.fmawsss.cam.SyntheticImages;
import com.fmawsss.image.ImageLimits;
import com.fmawsss.image.LabelMap;
import com.fmawsss.image.LabelMapPng;
import com.fmawsss.image.RgbImages;
import com.fmawsss.labeling.labelstudio.BrushRle;
import com.fmawsss.labeling.labelstudio.FakeLabelStudio;
import com.fmawsss.labeling.shapes.PolygonRasterizer;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The whole Label Studio flow over real HTTP, against a fake Label Studio started by the test:
 * health and setup, predict with a real label config (brush RLE that decodes to exactly the
 * {@code /v1/masks} label map; polygons), every refused or failing image source answered per
 * task, webhook annotations stored as a manifest dataset that a training job accepts, and a
 * project pre-annotation job run through the admin API.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class LabelStudioFlowTest {

    static final String KEY = "ls-legacy-token-42";
    static final String ADMIN = "admin-token-for-ls";
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static final String BRUSH_CONFIG = """
            <View>
              <Image name="image" value="$image"/>
              <BrushLabels name="tag" toName="image">
                <Label value="Kitty" predicted_values="cat" background="red"/>
                <Label value="Dog"/>
                <Label value="Puppy" predicted_values="dog"/>
                <Label value="Unicorn"/>
              </BrushLabels>
            </View>
            """;
    static final String POLYGON_CONFIG = BRUSH_CONFIG.replace("BrushLabels", "PolygonLabels").replace("<Label value=\"Unicorn\"/>", "");
    // Images on which the random-weight demo bundle finds cat and dog (A: both, B and C: cat); the
    // tests check that regions were compared, so a changed demo bundle shows up as a failure.
    static final byte[] A = png(64, 48, 3);
    static final byte[] B = png(64, 48, 13);
    static final byte[] C = png(64, 48, 22);
    static FakeLabelStudio ls;
    static Path dataRoot;

    @LocalServerPort int port;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) throws Exception {
        ls = FakeLabelStudio.start(KEY);
        Path state = Files.createTempDirectory("fma-ls-state-");
        dataRoot = Files.createTempDirectory("fma-ls-data-");
        registry.add("fma.state.dir", state::toString);
        registry.add("fma.data.roots", dataRoot::toString);
        registry.add("fma.admin.token", () -> ADMIN);
        registry.add("fma.label-studio.url", ls::url);
        registry.add("fma.label-studio.api-key", () -> KEY);
        registry.add("fma.label-studio.allow-loopback", () -> "true");
        registry.add("fma.label-studio.allowed-hosts", () -> "localhost,169.254.169.254");
        registry.add("fma.label-studio.max-image-bytes", () -> "200000");
        registry.add("fma.label-studio.fetch-timeout", () -> "2s");
        registry.add("fma.label-studio.training-enabled", () -> "true");
        registry.add("fma.label-studio.training.classification-iterations", () -> "1");
        registry.add("fma.label-studio.training.segmentation-iterations", () -> "1");
        registry.add("fma.label-studio.training.batch-size", () -> "2");
        registry.add("fma.label-studio.rate-limit", () -> "100");
    }

    @AfterAll
    static void stopFake() {
        ls.close();
    }

    static byte[] png(int w, int h, long seed) {
        return SyntheticImages.discsPng(w, h, seed);
    }

    HttpResponse<String> send(String method, String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).timeout(Duration.ofMinutes(3))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    JsonNode json(HttpResponse<String> response) {
        return JSON.readTree(response.body());
    }

    LabelMap masks(byte[] image, String classes) throws Exception {
        HttpResponse<byte[]> response = new Multipart().file("image", "x.png", "image/png", image).field("classes", classes)
                .post(port, "/v1/masks", "image/png");
        assertThat(response.statusCode()).isEqualTo(200);
        return LabelMapPng.decode(response.body(), ImageLimits.defaults());
    }

    static ObjectNode task(long id, String key, String value) {
        ObjectNode task = JSON.createObjectNode();
        task.put("id", id);
        task.putObject("data").put(key, value);
        return task;
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    @Test
    void healthAndSetupAnswerWithoutModelWork() throws Exception {
        for (String path : List.of("/label-studio/health", "/label-studio/", "/label-studio")) {
            HttpResponse<String> health = send("GET", path, null);
            assertThat(health.statusCode()).as(path).isEqualTo(200);
            assertThat(json(health).path("status").asString()).isEqualTo("UP");
            assertThat(json(health).path("model_class").asString()).isNotBlank();
        }
        ObjectNode setup = JSON.createObjectNode().put("project", "3.1712345678").put("schema", BRUSH_CONFIG)
                .put("hostname", "http://169.254.169.254").put("access_token", "stolen");
        HttpResponse<String> response = send("POST", "/label-studio/setup", setup.toString());
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = json(response);
        assertThat(body.path("model_version").asString()).startsWith("fma-wsss-").endsWith("-manual-voc");
        assertThat(body.path("labels").findValuesAsString("className")).containsExactly("cat", "dog", "Unicorn");
        assertThat(body.path("warnings").toString()).contains("Puppy", "already predicted for label 'Dog'");
        // The hostname and token in the setup body are never used.
        assertThat(ls.seen()).noneMatch(s -> "stolen".equals(s.authorization()));
        HttpResponse<String> noSchema = send("POST", "/label-studio/setup", "{\"project\": \"3.1\"}");
        assertThat(json(noSchema).path("model_version").asString()).startsWith("fma-wsss-");
        assertThat(send("GET", "/label-studio/metrics", null).body()).isEqualTo("{}");
    }

    @Test
    void predictAnswersEveryTaskInOrderWithLabelStudioRleOrAnError() throws Exception {
        ls.file("/data/upload/1/a.png", A);
        ls.file("/data/local-files/?d=imgs/b c.png", B);
        ls.cloud("s3://bucket/dir/c.png", C);
        String config = BRUSH_CONFIG.replace("<Label value=\"Unicorn\"/>", "");
        // Cloud URIs are resolved through the task's project storages.
        ls.project(1, config);
        ls.task(1, 3, Map.of("image", "s3://bucket/dir/c.png"));
        ls.task(1, 10, Map.of("image", "s3://evil/x.png"));
        ls.storage(1, "s3://bucket", true);
        ls.storagePresigningTo(1, "s3://evil", "http://169.254.169.254/latest/meta-data/iam/");
        List<ObjectNode> tasks = List.of(
                task(1, "image", "/data/upload/1/a.png"),
                task(2, "image", "/data/local-files/?d=imgs/b c.png"),
                task(3, "image", "s3://bucket/dir/c.png"),
                task(4, "image", "http://169.254.169.254/latest/meta-data/"),
                task(5, "image", ls.url() + "/redirect-away"),
                task(6, "image", "file:///etc/passwd"),
                task(7, "image", ls.url() + "/huge.png"),
                task(8, "image", ls.url() + "/slow.png"),
                task(9, "img", "/data/upload/1/a.png"),
                task(10, "image", "s3://evil/x.png"),
                task(11, "image", "http://[::ffff:169.254.169.254]/"),
                task(12, "image", "http://2852039166/"),
                task(13, "image", "http://evil.test/a.png"),
                task(14, "image", "/data/upload/1/missing.png"));
        ObjectNode request = JSON.createObjectNode();
        tasks.forEach(request.putArray("tasks")::add);
        request.put("label_config", config);
        request.put("project", "1.1712345678");
        request.putObject("params").put("login", (String) null).putObject("context");
        HttpResponse<String> response = send("POST", "/label-studio/predict", request.toString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode body = json(response);
        JsonNode results = body.path("results");
        assertThat(results).hasSize(tasks.size());
        String modelVersion = body.path("model_version").asString();
        assertThat(modelVersion).startsWith("fma-wsss-");
        assertThat(body.path("warnings").toString()).contains("Puppy");

        byte[][] images = {A, B, C};
        int regions = 0;
        for (int t = 0; t < 3; t++) {
            JsonNode prediction = results.get(t);
            assertThat(prediction.has("result")).as(prediction.toString()).isTrue();
            assertThat(prediction.path("model_version").asString()).isEqualTo(modelVersion);
            LabelMap expected = masks(images[t], "cat,dog");
            int[] painted = new int[64 * 48];
            for (JsonNode item : prediction.path("result")) {
                assertThat(item.path("type").asString()).isEqualTo("brushlabels");
                assertThat(item.path("from_name").asString()).isEqualTo("tag");
                assertThat(item.path("to_name").asString()).isEqualTo("image");
                assertThat(item.path("original_width").asInt()).isEqualTo(64);
                assertThat(item.path("original_height").asInt()).isEqualTo(48);
                assertThat(item.path("value").path("format").asString()).isEqualTo("rle");
                assertThat(item.path("score").asDouble()).isBetween(0.0, 1.0);
                String label = item.path("value").path("brushlabels").get(0).asString();
                int value = switch (label) {
                    case "Kitty" -> 1;
                    case "Dog" -> 2;
                    default -> throw new AssertionError("unexpected label " + label);
                };
                boolean[] mask = BrushRle.decodeMask(ints(item.path("value").path("rle")), 64, 48);
                regions++;
                for (int p = 0; p < mask.length; p++) {
                    if (mask[p]) {
                        assertThat(painted[p]).as("regions overlap at %d", p).isZero();
                        painted[p] = value;
                    }
                }
            }
            assertThat(painted).as("task %d decodes to the /v1/masks label map", t + 1).isEqualTo(expected.labels());
        }
        assertThat(regions).as("the comparison covered brush regions, not only empty maps").isPositive();
        Map<Integer, String> errors = new HashMap<>();
        for (int t = 3; t < tasks.size(); t++) {
            JsonNode entry = results.get(t);
            assertThat(entry.has("result")).as(entry.toString()).isFalse();
            assertThat(entry.path("task").asLong()).isEqualTo(t + 1);
            errors.put(t + 1, entry.path("error").asString());
        }
        assertThat(errors.get(4)).contains("169.254.169.254", "link-local");
        assertThat(errors.get(5)).contains("refused redirect", "169.254.169.254");
        assertThat(errors.get(6)).contains("neither an http(s) URL");
        assertThat(errors.get(7)).contains("larger than 200000 bytes");
        assertThat(errors.get(8)).contains("within 2000 ms");
        assertThat(errors.get(9)).contains("no text value 'image'");
        assertThat(errors.get(10)).contains("refused redirect", "169.254.169.254");
        assertThat(errors.get(11)).contains("link-local");
        assertThat(errors.get(12)).contains("canonical");
        assertThat(errors.get(13)).contains("allow-list");
        assertThat(errors.get(14)).contains("HTTP 404");
        // The key went to Label Studio only, never to the storage host it redirected to.
        List<FakeLabelStudio.Seen> storage = ls.seen().stream().filter(s -> s.server().equals("storage")).toList();
        assertThat(storage).isNotEmpty().allSatisfy(s -> assertThat(s.authorization()).isNull());
        assertThat(ls.seen().stream().filter(s -> s.server().equals("ls") && s.path().startsWith("/data/")))
                .allSatisfy(s -> assertThat(s.authorization()).isEqualTo("Token " + KEY));
    }

    @Test
    void polygonConfigsGetPolygonsInPercentCoordinates() throws Exception {
        ls.file("/data/upload/1/poly.png", A);
        ObjectNode request = JSON.createObjectNode();
        request.putArray("tasks").add(task(40, "image", "/data/upload/1/poly.png"));
        request.put("label_config", POLYGON_CONFIG);
        HttpResponse<String> response = send("POST", "/label-studio/predict", request.toString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode prediction = json(response).path("results").get(0);
        LabelMap expected = masks(A, "cat,dog");
        boolean[] covered = new boolean[64 * 48];
        int polygons = 0;
        for (JsonNode item : prediction.path("result")) {
            assertThat(item.path("type").asString()).isEqualTo("polygonlabels");
            assertThat(item.path("value").path("closed").asBoolean()).isTrue();
            int value = item.path("value").path("polygonlabels").get(0).asString().equals("Kitty") ? 1 : 2;
            JsonNode points = item.path("value").path("points");
            double[] xy = new double[points.size() * 2];
            for (int i = 0; i < points.size(); i++) {
                assertThat(points.get(i).get(0).asDouble()).isBetween(0.0, 100.0);
                assertThat(points.get(i).get(1).asDouble()).isBetween(0.0, 100.0);
                xy[2 * i] = points.get(i).get(0).asDouble() * 64 / 100;
                xy[2 * i + 1] = points.get(i).get(1).asDouble() * 48 / 100;
            }
            boolean[] filled = PolygonRasterizer.fill(xy, 64, 48);
            int own = 0;
            for (int p = 0; p < filled.length; p++) {
                if (filled[p]) {
                    covered[p] = true;
                    own += expected.labels()[p] == value ? 1 : 0;
                }
            }
            assertThat(own).as("a polygon encloses at least 16 pixels of its class").isGreaterThanOrEqualTo(16);
            polygons++;
        }
        List<int[]> bigRegions = regions(expected, 16);
        assertThat(polygons).isEqualTo(bigRegions.size()).isPositive();
        for (int[] region : bigRegions) {
            for (int p : region) {
                assertThat(covered[p]).as("pixel %d of a region of at least 16 pixels is inside a polygon", p).isTrue();
            }
        }
    }

    /** 4-connected regions of the map's foreground with at least {@code minArea} pixels (written for the test). */
    static List<int[]> regions(LabelMap map, int minArea) {
        int w = map.width();
        int[] labels = map.labels();
        boolean[] seen = new boolean[labels.length];
        List<int[]> out = new ArrayList<>();
        for (int s = 0; s < labels.length; s++) {
            if (labels[s] == 0 || seen[s]) {
                continue;
            }
            List<Integer> members = new ArrayList<>();
            java.util.ArrayDeque<Integer> queue = new java.util.ArrayDeque<>(List.of(s));
            seen[s] = true;
            while (!queue.isEmpty()) {
                int p = queue.poll();
                members.add(p);
                int[] neighbours = {p % w > 0 ? p - 1 : -1, p % w < w - 1 ? p + 1 : -1, p - w, p + w};
                for (int q : neighbours) {
                    if (q >= 0 && q < labels.length && !seen[q] && labels[q] == labels[s]) {
                        seen[q] = true;
                        queue.add(q);
                    }
                }
            }
            if (members.size() >= minArea) {
                out.add(members.stream().mapToInt(Integer::intValue).toArray());
            }
        }
        return out;
    }

    @Test
    void badPredictRequestsAreProblems() throws Exception {
        HttpResponse<String> noConfig = send("POST", "/label-studio/predict", "{\"tasks\": []}");
        assertThat(noConfig.statusCode()).isEqualTo(400);
        assertThat(noConfig.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
        ObjectNode noControl = JSON.createObjectNode().put("label_config", "<View><Image name=\"i\" value=\"$i\"/></View>");
        noControl.putArray("tasks");
        HttpResponse<String> invalid = send("POST", "/label-studio/predict", noControl.toString());
        assertThat(invalid.statusCode()).isEqualTo(422);
        assertThat(json(invalid).path("type").asString()).isEqualTo("urn:fma-wsss:problem:invalid-label-config");
        assertThat(send("POST", "/label-studio/predict", "{not json").statusCode()).isEqualTo(400);
        ObjectNode badTasks = JSON.createObjectNode().put("label_config", BRUSH_CONFIG);
        badTasks.putArray("tasks").add(3);
        assertThat(send("POST", "/label-studio/predict", badTasks.toString()).statusCode()).isEqualTo(400);
        HttpResponse<String> xxe = send("POST", "/label-studio/predict", "{\"tasks\": [], \"label_config\": \"<!DOCTYPE v [<!ENTITY x SYSTEM 'file:///etc/passwd'>]><View>&x;</View>\"}");
        assertThat(xxe.statusCode()).isEqualTo(422);
        assertThat(xxe.body()).doesNotContain("root:");
    }

    ObjectNode annotationEvent(String action, long project, String config, long taskId, String image, long annotationId,
            ArrayNode result) {
        ObjectNode event = JSON.createObjectNode();
        event.put("action", action);
        ObjectNode annotation = event.putObject("annotation");
        annotation.put("id", annotationId);
        annotation.put("task", taskId);
        annotation.put("was_cancelled", false);
        annotation.set("result", result);
        event.set("task", task(taskId, "image", image));
        event.putObject("project").put("id", project).put("title", "p").put("label_config", config);
        return event;
    }

    static ObjectNode brush(String label, boolean[] mask) {
        ObjectNode item = JSON.createObjectNode();
        item.put("id", "r" + label);
        item.put("from_name", "tag");
        item.put("to_name", "image");
        item.put("type", "brushlabels");
        item.put("original_width", 64);
        item.put("original_height", 48);
        item.put("origin", "manual");
        ObjectNode value = item.putObject("value");
        value.put("format", "rle");
        java.util.Arrays.stream(BrushRle.encode(mask)).forEach(value.putArray("rle")::add);
        value.putArray("brushlabels").add(label);
        return item;
    }

    static boolean[] rect(int x0, int y0, int x1, int y1) {
        boolean[] mask = new boolean[64 * 48];
        for (int y = y0; y < y1; y++) {
            for (int x = x0; x < x1; x++) {
                mask[y * 64 + x] = true;
            }
        }
        return mask;
    }

    static List<String> lines(Path manifest) throws Exception {
        return Files.isRegularFile(manifest) ? Files.readAllLines(manifest).stream().filter(l -> !l.isBlank()).toList() : List.of();
    }

    static void await(java.util.function.BooleanSupplier condition, String what) throws Exception {
        for (int i = 0; i < 600 && !condition.getAsBoolean(); i++) {
            Thread.sleep(50);
        }
        assertThat(condition.getAsBoolean()).as(what).isTrue();
    }

    @Test
    void webhookCorrectionsBecomeADatasetThatATrainingJobAccepts() throws Exception {
        ls.file("/data/upload/7/a.png", A);
        ls.file("/data/upload/7/b.png", B);
        ls.file("/data/upload/7/c.png", C);
        Path project = dataRoot.resolve("label-studio/project-7");
        Path manifest = project.resolve("manifest.jsonl");

        HttpResponse<String> unknown = send("POST", "/label-studio/webhook", "{\"action\": \"PROJECT_UPDATED\", \"project\": {\"id\": 7}}");
        assertThat(unknown.statusCode()).isEqualTo(200);
        assertThat(json(unknown).path("status").asString()).isEqualTo("Unknown event");
        assertThat(send("POST", "/label-studio/webhook", "{\"project\": {\"id\": 7}}").statusCode()).isEqualTo(400);

        ArrayNode first = JSON.createArrayNode();
        first.add(brush("Kitty", rect(0, 0, 20, 48)));
        first.add(brush("Unicorn", rect(40, 40, 44, 44)));
        HttpResponse<String> created = send("POST", "/label-studio/webhook",
                annotationEvent("ANNOTATION_CREATED", 7, BRUSH_CONFIG, 21, "/data/upload/7/a.png", 101, first).toString());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(json(created).path("status").asString()).isEqualTo("ok");
        ArrayNode second = JSON.createArrayNode();
        second.add(brush("Dog", rect(10, 10, 30, 30)));
        assertThat(send("POST", "/label-studio/webhook",
                annotationEvent("ANNOTATION_CREATED", 7, BRUSH_CONFIG, 22, "/data/upload/7/b.png", 102, second).toString()).statusCode())
                .isEqualTo(201);
        ArrayNode third = JSON.createArrayNode();
        third.add(brush("Dog", rect(0, 0, 8, 8)));
        assertThat(send("POST", "/label-studio/webhook",
                annotationEvent("ANNOTATION_CREATED", 7, BRUSH_CONFIG, 23, "/data/upload/7/c.png", 103, third).toString()).statusCode())
                .isEqualTo(201);
        await(() -> {
            try {
                return lines(manifest).size() == 3;
            } catch (Exception e) {
                return false;
            }
        }, "three samples stored");

        // The second annotation is corrected, the third deleted.
        ArrayNode corrected = JSON.createArrayNode();
        corrected.add(brush("Puppy", rect(30, 20, 50, 40)));
        corrected.add(brush("Kitty", rect(0, 0, 10, 10)));
        assertThat(send("POST", "/label-studio/webhook",
                annotationEvent("ANNOTATION_UPDATED", 7, BRUSH_CONFIG, 22, "/data/upload/7/b.png", 102, corrected).toString())
                .statusCode()).isEqualTo(201);
        HttpResponse<String> deleted = send("POST", "/label-studio/webhook",
                "{\"action\": \"ANNOTATIONS_DELETED\", \"annotations\": [{\"id\": 103}], \"project\": {\"id\": 7}}");
        assertThat(deleted.statusCode()).isEqualTo(201);
        await(() -> {
            try {
                return lines(manifest).size() == 2 && !Files.exists(project.resolve("masks/task-23.png"));
            } catch (Exception e) {
                return false;
            }
        }, "the deleted annotation left the dataset");

        List<JsonNode> samples = new ArrayList<>();
        for (String line : lines(manifest)) {
            samples.add(JSON.readTree(line));
        }
        assertThat(samples).extracting(s -> s.path("id").asString()).containsExactly("task-21", "task-22");
        assertThat(samples.get(1).path("annotation").asLong()).isEqualTo(102);
        assertThat(Files.readAllBytes(project.resolve(samples.get(0).path("image").asString()))).isEqualTo(A);
        LabelMap mask21 = LabelMapPng.decode(Files.readAllBytes(project.resolve("masks/task-21.png")), ImageLimits.defaults());
        LabelMap mask22 = LabelMapPng.decode(Files.readAllBytes(project.resolve("masks/task-22.png")), ImageLimits.defaults());
        for (int y = 0; y < 48; y++) {
            for (int x = 0; x < 64; x++) {
                // VOC labels: cat = 8, dog = 12; "Unicorn" is no VOC class: 255 (ignore).
                int expected21 = x < 20 ? 8 : (x >= 40 && x < 44 && y >= 40 && y < 44 ? 255 : 0);
                int expected22 = x < 10 && y < 10 ? 8 : (x >= 30 && x < 50 && y >= 20 && y < 40 ? 12 : 0);
                assertThat(mask21.at(x, y)).as("task 21 at %d,%d", x, y).isEqualTo(expected21);
                assertThat(mask22.at(x, y)).as("task 22 at %d,%d", x, y).isEqualTo(expected22);
            }
        }
        assertThat(json(send("GET", "/label-studio/health", null)).path("status").asString()).isEqualTo("UP");

        HttpResponse<String> started = send("POST", "/label-studio/webhook",
                "{\"action\": \"START_TRAINING\", \"project\": {\"id\": 7, \"label_config\": \"x\"}}");
        assertThat(started.statusCode()).as(started.body()).isEqualTo(201);
        String location = json(started).path("result").path("location").asString();
        assertThat(location).startsWith("/v1/admin/training-jobs/");
        JsonNode job = awaitSuccess(location);
        assertThat(job.path("promptVersion").asString()).startsWith("job-");

        HttpResponse<String> empty = send("POST", "/label-studio/webhook", "{\"action\": \"START_TRAINING\", \"project\": {\"id\": 99}}");
        assertThat(empty.statusCode()).isEqualTo(422);
    }

    /** Runs a project's pre-annotation job through the admin API and waits for its success. */
    JsonNode preAnnotate(long project) throws Exception {
        HttpResponse<String> created = send("POST", "/v1/admin/label-studio/preannotation-jobs", "{\"project\": " + project + "}",
                "Authorization", "Bearer " + ADMIN);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(202);
        return awaitSuccess(created.headers().firstValue("Location").orElseThrow());
    }

    /** Follows an admin job until it ends, which must be a success (polls up to six minutes). */
    JsonNode awaitSuccess(String location) throws Exception {
        JsonNode job = null;
        for (int i = 0; i < 3600; i++) {
            job = json(send("GET", location, null, "Authorization", "Bearer " + ADMIN));
            if (!List.of("queued", "running").contains(job.path("state").asString())) {
                break;
            }
            Thread.sleep(100);
        }
        assertThat(job.path("state").asString()).as(job.toString()).isEqualTo("succeeded");
        return job;
    }

    @Test
    void projectPreAnnotationJobThroughTheAdminApi() throws Exception {
        String modelVersion = json(send("POST", "/label-studio/setup", "{\"schema\": \"\"}")).path("model_version").asString();
        ls.project(3, BRUSH_CONFIG.replace("<Label value=\"Unicorn\"/>", ""));
        ls.file("/data/upload/3/a.png", A);
        ls.task(3, 301, Map.of("image", "/data/upload/3/a.png"));
        ls.task(3, 302, Map.of("image", "/data/upload/3/a.png"), modelVersion);
        String path = "/v1/admin/label-studio/preannotation-jobs";
        assertThat(send("POST", path, "{\"project\": 3}").statusCode()).isEqualTo(401);
        assertThat(send("POST", path, "{}", "Authorization", "Bearer " + ADMIN).statusCode()).isEqualTo(422);
        assertThat(send("POST", path, "{\"project\": 3, \"promptVersion\": \"nope\"}", "Authorization", "Bearer " + ADMIN)
                .statusCode()).isEqualTo(422);
        assertThat(send("GET", path + "/doesnotexist", null, "Authorization", "Bearer " + ADMIN).statusCode()).isEqualTo(404);

        JsonNode job = preAnnotate(3);
        assertThat(job.path("result").path("predicted").asString()).isEqualTo("1");
        assertThat(job.path("result").path("skipped").asString()).isEqualTo("1");
        assertThat(job.path("result").path("modelVersion").asString()).isEqualTo(modelVersion);
        assertThat(job.path("iteration").asLong()).isEqualTo(2);
        assertThat(job.path("iterations").asLong()).isEqualTo(2);
        assertThat(ls.predictions().stream().filter(p -> p.path("task").asLong() == 301)).hasSize(1)
                .allSatisfy(p -> assertThat(p.path("model_version").asString()).isEqualTo(modelVersion));
        assertThat(ls.predictions().stream().filter(p -> p.path("task").asLong() == 302)).isEmpty();
        assertThat(json(send("GET", path, null, "Authorization", "Bearer " + ADMIN)).findValuesAsString("id"))
                .contains(job.path("id").asString());
        String metrics = send("GET", "/actuator/prometheus", null).body();
        assertThat(metrics).contains("fma_job_iteration{job=\"" + job.path("id").asString() + "\",type=\"label-studio-preannotation\"} 2.0");
    }

    @Test
    void preAnnotationMeetsLabelStudiosAutomaticPredictions() throws Exception {
        String modelVersion = json(send("POST", "/label-studio/setup", "{\"schema\": \"\"}")).path("model_version").asString();
        ls.project(6, BRUSH_CONFIG.replace("<Label value=\"Unicorn\"/>", ""));
        ls.file("/data/upload/6/a.png", A);
        ls.file("/data/upload/6/b.png", B);
        for (long id = 601; id <= 603; id++) {
            ls.task(6, id, Map.of("image", id == 602 ? "upload/6/b.png" : "/data/upload/6/a.png"));
        }
        // Label Studio calls this service's /predict for the page's unpredicted tasks before it answers
        // the page, and is slow besides: the page takes longer than an image fetch may (fetch-timeout 2 s).
        ls.retrievePredictionsAutomatically(6, "http://127.0.0.1:" + port + "/label-studio");
        ls.pageDelay(Duration.ofMillis(2500));
        try {
            JsonNode job = preAnnotate(6);
            // Label Studio's own requests predicted every task; the job found them and did nothing twice.
            assertThat(job.path("result").path("skipped").asString()).isEqualTo("3");
            assertThat(job.path("result").path("predicted").asString()).isEqualTo("0");
        } finally {
            ls.pageDelay(Duration.ZERO);
        }
        for (long id = 601; id <= 603; id++) {
            long task = id;
            assertThat(ls.predictions().stream().filter(p -> p.path("task").asLong() == task)).as("task %d", id).hasSize(1)
                    .allSatisfy(p -> {
                        assertThat(p.path("model_version").asString()).isEqualTo(modelVersion);
                        assertThat(p.path("result").get(0).path("type").asString()).isEqualTo("brushlabels");
                    });
        }
        assertThat(ls.seen()).filteredOn(s -> s.path().startsWith("/api/tasks/"))
                .allSatisfy(s -> assertThat(s.path()).contains("fields=task_only", "resolve_uri=false"));
    }

    @Test
    void openApiDocumentLeavesTheForeignProtocolsOut() throws Exception {
        String docs = send("GET", "/v3/api-docs", null).body();
        assertThat(docs).contains("/v1/admin/label-studio/preannotation-jobs").doesNotContain("/label-studio/predict")
                .doesNotContain("/cvat/detect");
        assertThat(new String(docs.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8)).isNotEmpty();
    }
}
