package com.fmawsss.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fmawsss.cam.SyntheticImages;
import com.fmawsss.scheduler.InferenceScheduler;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Base64;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * With a synchronous limit below any request's estimated cost, a synchronous request is refused at
 * once, before anything is queued, with the estimate and the way to get the result; the same
 * request sent asynchronously is accepted and answered.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class SynchronousLimitTest {

    static final byte[] PNG = InferenceApiTest.png(SyntheticImages.discs(160, 120, 3));

    @LocalServerPort int port;

    @Autowired InferenceScheduler scheduler;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("fma.scheduler.request-timeout", () -> "1ms");
    }

    HttpResponse<byte[]> masks(String... headers) throws Exception {
        return new Multipart().file("image", "x.png", "image/png", PNG).field("classes", "cat,dog").field("amg", "demo")
                .post(port, "/v1/masks", null, headers);
    }

    @Test
    void aCvatFrameIsDoneWithinCvatsTimeoutNotRefusedByTheSynchronousLimit() throws Exception {
        String body = "{\"image\": \"" + Base64.getEncoder().encodeToString(PNG) + "\", \"classes\": [\"cat\", \"dog\"]}";
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://localhost:" + port + "/cvat/detect")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("Fma-Detection-Skipped")).isEmpty();
        assertThat(response.body()).startsWith("[");
    }

    @Test
    void aRequestEstimatedPastTheLimitIsRefusedAtOnceWithItsEstimate() throws Exception {
        long completedBefore = scheduler.completedCount();

        HttpResponse<byte[]> refused = masks();

        assertThat(refused.statusCode()).isEqualTo(422);
        JsonNode problem = AsyncRequestsApiTest.json(refused);
        assertThat(problem.path("type").asString()).isEqualTo("urn:fma-wsss:problem:too-slow-for-synchronous");
        assertThat(problem.path("estimatedSeconds").asDouble()).isGreaterThanOrEqualTo(0.0);
        assertThat(problem.path("limitSeconds").asLong()).isZero();
        assertThat(problem.path("amg").asString()).isEqualTo("demo");
        assertThat(problem.path("detail").asString()).contains("Prefer: respond-async").contains("synchronous limit");
        assertThat(problem.path("fasterProfiles").isArray()).isTrue();
        // Nothing ran: the refusal came from the estimate.
        assertThat(scheduler.completedCount()).isEqualTo(completedBefore);

        HttpResponse<byte[]> accepted = masks("Prefer", "respond-async");
        assertThat(accepted.statusCode()).isEqualTo(202);
        assertThat(new String(accepted.body(), StandardCharsets.UTF_8)).contains("\"endpoint\":\"/v1/masks\"");
    }
}
