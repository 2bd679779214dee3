package com.fmawsss.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fmawsss.cam.SyntheticImages;
import com.fmawsss.scheduler.InferenceScheduler;
import com.fmawsss.scheduler.Priority;
import com.fmawsss.scheduler.TaskSpec;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code Prefer: respond-async} through the real HTTP stack: the life cycle of a request (202,
 * status, result as JSON and PNG equal to the synchronous answer, delete), cancellation while it
 * waits, unknown ids, the busy refusal, and a synchronous client that goes away. A task that blocks
 * the only worker keeps requests queued where a test needs them to wait; no assertion depends on
 * how long anything takes.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class AsyncRequestsApiTest {

    static final JsonMapper JSON = JsonMapper.builder().build();
    static final byte[] PNG = InferenceApiTest.png(SyntheticImages.discs(96, 64, 5));

    @LocalServerPort int port;

    @Autowired InferenceScheduler scheduler;

    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void releaseTheWorker() {
        release.countDown();
    }

    HttpResponse<byte[]> seeds(String accept, String... headers) throws Exception {
        return new Multipart().file("image", "x.png", "image/png", PNG).field("labels", "cat,dog")
                .post(port, "/v1/seeds", accept, headers);
    }

    HttpResponse<byte[]> get(String path, String accept) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path));
        if (accept != null) {
            request.header("Accept", accept);
        }
        return Multipart.send(request.build());
    }

    HttpResponse<byte[]> delete(String path) throws Exception {
        return Multipart.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).DELETE().build());
    }

    static JsonNode json(HttpResponse<byte[]> response) {
        return JSON.readTree(new String(response.body(), StandardCharsets.UTF_8));
    }

    /** Occupies the only worker until the test ends; its estimate makes the queue look that long. */
    CompletableFuture<String> blockTheWorker(Duration estimate) throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CompletableFuture<String> blocker = scheduler.submit(TaskSpec.startWithin(Priority.INTERACTIVE, Duration.ofMinutes(5), estimate), () -> {
            entered.countDown();
            release.await();
            return "released";
        });
        entered.await();
        return blocker;
    }

    static void await(BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - end).as("condition not met within 60 s").isNegative();
            Thread.sleep(20);
        }
    }

    @Test
    void anAsyncRequestAnswersWhatTheSynchronousEndpointAnswers() throws Exception {
        HttpResponse<byte[]> syncJson = seeds(null);
        HttpResponse<byte[]> syncPng = seeds("image/png");
        assertThat(syncJson.statusCode()).isEqualTo(200);

        HttpResponse<byte[]> accepted = seeds(null, "Prefer", "respond-async");

        assertThat(accepted.statusCode()).isEqualTo(202);
        String location = accepted.headers().firstValue("Location").orElseThrow();
        assertThat(location).matches("/v1/requests/[A-Za-z0-9_-]{22}");
        assertThat(accepted.headers().firstValue("Preference-Applied")).hasValue("respond-async");
        assertThat(accepted.headers().firstValue("Retry-After")).isPresent();
        JsonNode status = json(accepted);
        assertThat(status.path("location").asString()).isEqualTo(location);
        assertThat(status.path("endpoint").asString()).isEqualTo("/v1/seeds");
        // The demo bundle may finish before the 202 is written.
        assertThat(status.path("state").asString()).isIn("queued", "running", "succeeded");
        assertThat(status.path("estimatedSeconds").asDouble()).isPositive();

        HttpResponse<byte[]> result = get(location, null);
        while (result.statusCode() == 202) {
            assertThat(json(result).path("state").asString()).isIn("queued", "running");
            Thread.sleep(50);
            result = get(location, null);
        }
        assertThat(result.statusCode()).isEqualTo(200);
        assertThat(withoutTimings(json(result))).isEqualTo(withoutTimings(json(syncJson)));
        assertThat(result.headers().firstValue("X-Prompt-Set")).isEqualTo(syncJson.headers().firstValue("X-Prompt-Set"));

        HttpResponse<byte[]> png = get(location, "image/png");
        assertThat(png.statusCode()).isEqualTo(200);
        assertThat(png.headers().firstValue("Content-Type")).hasValue("image/png");
        assertThat(png.body()).isEqualTo(syncPng.body());
        assertThat(png.headers().firstValue("X-Class-Table")).isEqualTo(syncPng.headers().firstValue("X-Class-Table"));

        JsonNode finished = json(get(location + "/status", null));
        assertThat(finished.path("state").asString()).isEqualTo("succeeded");
        assertThat(finished.path("expiresAt").isMissingNode()).isFalse();

        assertThat(delete(location).statusCode()).isEqualTo(204);
        HttpResponse<byte[]> gone = get(location, null);
        assertThat(gone.statusCode()).isEqualTo(404);
        assertThat(json(gone).path("type").asString()).isEqualTo("urn:fma-wsss:problem:unknown-request");
    }

    private static JsonNode withoutTimings(JsonNode body) {
        ObjectNode copy = (ObjectNode) body.deepCopy();
        copy.remove("timings");
        return copy;
    }

    @Test
    void aQueuedRequestShowsItsWaitAndCanBeCancelled() throws Exception {
        blockTheWorker(Duration.ZERO);

        String location = seeds(null, "Prefer", "respond-async").headers().firstValue("Location").orElseThrow();
        HttpResponse<byte[]> pending = get(location, null);

        assertThat(pending.statusCode()).isEqualTo(202);
        JsonNode status = json(pending);
        assertThat(status.path("state").asString()).isEqualTo("queued");
        assertThat(status.path("queuedSeconds").asDouble()).isGreaterThanOrEqualTo(0);
        assertThat(status.path("etaSeconds").isNumber()).isTrue();
        assertThat(scheduler.queueDepth(Priority.ASYNC)).isEqualTo(1);

        assertThat(delete(location).statusCode()).isEqualTo(204);
        await(() -> scheduler.queueDepth(Priority.ASYNC) == 0);
        HttpResponse<byte[]> cancelled = get(location, null);
        assertThat(cancelled.statusCode()).isEqualTo(410);
        assertThat(json(cancelled).path("type").asString()).isEqualTo("urn:fma-wsss:problem:request-gone");
        assertThat(json(get(location + "/status", null)).path("state").asString()).isEqualTo("cancelled");
    }

    @Test
    void unknownAndMalformedIdsAreNotFound() throws Exception {
        for (String id : new String[] {"AAAAAAAAAAAAAAAAAAAAAA", "..", "short", "AAAAAAAAAAAAAAAAAAAAA%2E"}) {
            HttpResponse<byte[]> response = get("/v1/requests/" + id, null);
            assertThat(response.statusCode()).as(id).isEqualTo(404);
            assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
            assertThat(delete("/v1/requests/" + id).statusCode()).as(id).isEqualTo(404);
        }
        // An encoded slash never reaches the application: the container refuses it, still as a problem.
        HttpResponse<byte[]> traversal = get("/v1/requests/..%2F..%2Fetc", null);
        assertThat(traversal.statusCode()).isEqualTo(400);
        assertThat(new String(traversal.body(), StandardCharsets.UTF_8)).doesNotContain("Exception");
    }

    @Test
    void aSynchronousRequestThatWouldWaitPastTheLimitIsRefusedAtOnceWithRetryAfter() throws Exception {
        blockTheWorker(Duration.ofHours(1));

        HttpResponse<byte[]> busy = seeds(null);

        assertThat(busy.statusCode()).isEqualTo(503);
        JsonNode problem = json(busy);
        assertThat(problem.path("type").asString()).isEqualTo("urn:fma-wsss:problem:busy");
        long retry = Long.parseLong(busy.headers().firstValue("Retry-After").orElseThrow());
        // The hour the blocking task announced, minus the moments it has already run.
        assertThat(retry).isBetween(3_000L, 3_600L);
        assertThat(problem.path("queuedAheadSeconds").asDouble()).isGreaterThan(3_000);
        assertThat(scheduler.queueDepth(Priority.INTERACTIVE)).isZero();
    }

    @Test
    void aSynchronousClientThatDisconnectsLeavesTheQueue() throws Exception {
        blockTheWorker(Duration.ZERO);
        String boundary = "----disconnect";
        byte[] head = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"labels\"\r\n\r\ncat\r\n--" + boundary
                + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"x.png\"\r\nContent-Type: image/png\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII);
        try (Socket socket = new Socket("127.0.0.1", port)) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/seeds HTTP/1.1\r\nHost: localhost\r\nContent-Type: multipart/form-data; boundary=" + boundary
                    + "\r\nContent-Length: " + (head.length + PNG.length + tail.length) + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(head);
            out.write(PNG);
            out.write(tail);
            out.flush();
            await(() -> scheduler.queueDepth(Priority.INTERACTIVE) == 1);
        }

        // The worker is still blocked: only the disconnect can have removed the request.
        await(() -> scheduler.queueDepth(Priority.INTERACTIVE) == 0);
        assertThat(scheduler.inFlight()).isEqualTo(1);
    }
}
