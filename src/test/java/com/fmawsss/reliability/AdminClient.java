package com.fmawsss.reliability;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Predicate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** HTTP calls of the reliability tests: admin JSON, prompt-set uploads and inference requests. */
final class AdminClient {

    static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final int port;
    private final String token;

    AdminClient(int port, String token) {
        this.port = port;
        this.token = token;
    }

    HttpResponse<String> send(String method, String path, String jsonBody) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofMinutes(3))
                .method(method, jsonBody == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(jsonBody))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + token);
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    JsonNode json(String method, String path, String jsonBody, int expectedStatus) throws IOException, InterruptedException {
        HttpResponse<String> response = send(method, path, jsonBody);
        if (response.statusCode() != expectedStatus) {
            throw new AssertionError(method + " " + path + " answered " + response.statusCode() + ", expected "
                    + expectedStatus + ": " + response.body());
        }
        return JSON.readTree(response.body());
    }

    /** Uploads a prompt-set file ({@code POST /v1/admin/prompts}). */
    HttpResponse<String> upload(byte[] promptSetFile) throws IOException, InterruptedException {
        Form form = new Form().file("file", "set.safetensors", promptSetFile);
        return CLIENT.send(form.request(uri("/v1/admin/prompts")).header("Authorization", "Bearer " + token).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** {@code POST /v1/masks} with a PNG and class names (and optionally a prompt version). */
    HttpResponse<String> masks(byte[] png, String classes, String prompts) throws IOException, InterruptedException {
        Form form = new Form().file("image", "x.png", png).field("classes", classes);
        if (prompts != null) {
            form.field("prompts", prompts);
        }
        return CLIENT.send(form.request(uri("/v1/masks")).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Polls a job until it leaves queued/running; fails after the deadline. */
    JsonNode awaitFinal(String location, Duration timeout) throws IOException, InterruptedException {
        return await(location, timeout, job -> !job.path("state").asString().equals("queued")
                && !job.path("state").asString().equals("running"));
    }

    /** Polls a job resource until the condition holds; fails after the deadline. */
    JsonNode await(String location, Duration timeout, Predicate<JsonNode> condition) throws IOException, InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        JsonNode job = null;
        while (Instant.now().isBefore(deadline)) {
            job = json("GET", location, null, 200);
            if (condition.test(job)) {
                return job;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("condition not reached within " + timeout + "; last state " + job);
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    /** A multipart/form-data body. */
    static final class Form {
        private final String boundary = "----fma-rel" + System.nanoTime();
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();

        Form file(String name, String filename, byte[] content) {
            write("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"; filename=\"" + filename
                    + "\"\r\nContent-Type: application/octet-stream\r\n\r\n");
            body.writeBytes(content);
            write("\r\n");
            return this;
        }

        Form field(String name, String value) {
            write("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value + "\r\n");
            return this;
        }

        HttpRequest.Builder request(URI uri) {
            write("--" + boundary + "--\r\n");
            return HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(3))
                    .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()));
        }

        private void write(String text) {
            body.writeBytes(text.getBytes(StandardCharsets.UTF_8));
        }
    }
}
