package com.fmawsss.api.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fmawsss.cam.SyntheticImages;
import com.fmawsss.image.LabelMapPng;
import com.fmawsss.image.RgbImages;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Training and seed jobs through the admin API: 202 + Location, progress, results, errors. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class AdminJobsApiTest {

    static final String TOKEN = "test-admin-token-123";
    static final JsonMapper JSON = JsonMapper.builder().build();
    static Path dataRoot;

    @LocalServerPort int port;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) throws Exception {
        Path state = Files.createTempDirectory("fma-jobs-state-");
        dataRoot = Files.createTempDirectory("fma-jobs-data-");
        writeVoc(dataRoot.resolve("voc"));
        registry.add("fma.state.dir", state::toString);
        registry.add("fma.data.roots", dataRoot::toString);
        registry.add("fma.admin.token", () -> TOKEN);
    }

    static void writeVoc(Path root) throws Exception {
        Files.createDirectories(root.resolve("JPEGImages"));
        Files.createDirectories(root.resolve("SegmentationClass"));
        Files.createDirectories(root.resolve("ImageSets/Segmentation"));
        StringBuilder ids = new StringBuilder();
        for (int i = 0; i < 2; i++) {
            ImageIO.write(RgbImages.toBufferedImage(SyntheticImages.discs(64, 48, 130 + i)), "jpeg",
                    root.resolve("JPEGImages/j" + i + ".jpg").toFile());
            int[] labels = new int[64 * 48];
            java.util.Arrays.fill(labels, 0, 64 * 24, i == 0 ? 8 : 15);
            Files.write(root.resolve("SegmentationClass/j" + i + ".png"), LabelMapPng.encode(labels, 64, 48));
            ids.append("j").append(i).append('\n');
        }
        Files.writeString(root.resolve("ImageSets/Segmentation/train.txt"), ids.toString());
    }

    HttpResponse<String> send(String method, String path, String body, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json");
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    JsonNode waitFor(String location) throws Exception {
        for (int i = 0; i < 1800; i++) {
            JsonNode job = JSON.readTree(send("GET", location, null, TOKEN).body());
            String state = job.path("state").asString();
            if (!state.equals("queued") && !state.equals("running")) {
                return job;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("job did not finish");
    }

    @Test
    void trainingThenSeedJobsRunToCompletionAndTheNewVersionCanBeActivated() throws Exception {
        String request = "{\"dataset\": {\"format\": \"voc\", \"root\": \"voc\", \"split\": \"train\"},"
                + " \"iterations\": {\"classification\": 2, \"segmentation\": 2}, \"batchSize\": 2, \"seed\": 3}";
        HttpResponse<String> created = send("POST", "/v1/admin/training-jobs", request, TOKEN);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(202);
        String location = created.headers().firstValue("Location").orElseThrow();
        assertThat(location).startsWith("/v1/admin/training-jobs/");
        JsonNode job = waitFor(location);
        assertThat(job.path("state").asString()).as(job.toString()).isEqualTo("succeeded");
        String version = job.path("promptVersion").asString();
        assertThat(version).startsWith("job-");
        assertThat(job.path("stage").asString()).isEqualTo("segmentation");
        assertThat(job.path("learningRate").isNumber()).isTrue();

        HttpResponse<String> activated = send("POST", "/v1/admin/prompts/" + version + "/activate", null, TOKEN);
        assertThat(activated.statusCode()).as(activated.body()).isEqualTo(200);

        String seeds = "{\"dataset\": {\"format\": \"voc\", \"root\": \"voc\", \"split\": \"train\"}, \"output\": \"seeds-out\"}";
        HttpResponse<String> seedJob = send("POST", "/v1/admin/seed-jobs", seeds, TOKEN);
        assertThat(seedJob.statusCode()).as(seedJob.body()).isEqualTo(202);
        JsonNode seedResult = waitFor(seedJob.headers().firstValue("Location").orElseThrow());
        assertThat(seedResult.path("state").asString()).as(seedResult.toString()).isEqualTo("succeeded");
        assertThat(seedResult.path("result").path("promptVersion").asString()).isEqualTo(version);
        assertThat(seedResult.path("result").has("mIoU")).isTrue();
        assertThat(Files.list(dataRoot.resolve("seeds-out")).count()).isEqualTo(2);
    }

    @Test
    void badJobRequestsAreProblems() throws Exception {
        String outside = "{\"dataset\": {\"format\": \"voc\", \"root\": \"../../etc\"}}";
        HttpResponse<String> escape = send("POST", "/v1/admin/training-jobs", outside, TOKEN);
        assertThat(escape.statusCode()).isIn(403, 422);
        assertThat(escape.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
        String badFormat = "{\"dataset\": {\"format\": \"imagenet\", \"root\": \"voc\"}}";
        assertThat(send("POST", "/v1/admin/training-jobs", badFormat, TOKEN).statusCode()).isEqualTo(422);
        String missing = "{\"dataset\": {\"format\": \"voc\", \"root\": \"nope\", \"split\": \"train\"}}";
        HttpResponse<String> invalid = send("POST", "/v1/admin/training-jobs", missing, TOKEN);
        assertThat(invalid.statusCode()).as(invalid.body()).isEqualTo(422);
        assertThat(send("GET", "/v1/admin/training-jobs/doesnotexist", null, TOKEN).statusCode()).isEqualTo(404);
        assertThat(send("DELETE", "/v1/admin/seed-jobs/doesnotexist", null, TOKEN).statusCode()).isEqualTo(404);
        assertThat(send("GET", "/v1/admin/training-jobs", null, null).statusCode()).isEqualTo(401);
        assertThat(send("POST", "/v1/admin/seed-jobs", "{}", "wrong").statusCode()).isEqualTo(401);
    }
}
