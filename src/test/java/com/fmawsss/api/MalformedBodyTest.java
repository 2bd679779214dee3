package com.fmawsss.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import com.fmawsss.cam.SyntheticImages;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Bodies the container cannot parse (form-urlencoded with invalid UTF-8 or broken percent escapes)
 * are answered with a 400 problem on every endpoint, never with a 500.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class MalformedBodyTest {

    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final String ADMIN = "admin-token-malformed";

    @LocalServerPort int port;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) throws Exception {
        String dir = Files.createTempDirectory("fma-malformed-state-").toString();
        registry.add("fma.state.dir", () -> dir);
        registry.add("fma.admin.token", () -> ADMIN);
    }

    HttpResponse<String> post(String path, String contentType, byte[] body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .header("Content-Type", contentType).header("Authorization", "Bearer " + ADMIN)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    static final List<String> ENDPOINTS = List.of("/label-studio/setup", "/label-studio/predict", "/label-studio/webhook",
            "/cvat/detect", "/v1/masks", "/v1/seeds", "/v1/admin/label-studio/preannotation-jobs");

    @Test
    void invalidUtf8InAFormBodyIsABadRequestProblemEverywhere() throws Exception {
        byte[] invalidUtf8 = {'s', 'c', 'h', 'e', 'm', 'a', '=', (byte) 0xff, (byte) 0xfe, '%', 'C', '3', '%', '2', '8'};
        for (String path : ENDPOINTS) {
            HttpResponse<String> response = post(path, "application/x-www-form-urlencoded", invalidUtf8);
            assertProblem(path, response);
        }
    }

    @Test
    void brokenPercentEscapesAndQueryStringsAreBadRequestProblems() throws Exception {
        for (String path : ENDPOINTS) {
            assertProblem(path, post(path, "application/x-www-form-urlencoded", "a=%zz&b=%".getBytes()));
            assertProblem(path, post(path + "?x=%ff%fe", "application/json", "{}".getBytes()));
        }
    }

    @Test
    void aBadQueryStringOnAMultipartUploadReachesTheExceptionHandlerAsTheSameProblem() throws Exception {
        HttpResponse<byte[]> response = new Multipart().file("image", "x.png", "image/png", SyntheticImages.discsPng(32, 32, 1))
                .field("classes", "cat").post(port, "/v1/masks?amg=%ff%fe", "application/json");
        assertProblem("/v1/masks multipart", new String(response.body(), StandardCharsets.UTF_8), response.statusCode(),
                response.headers().firstValue("Content-Type").orElse(""));
        assertThat(response.statusCode()).isEqualTo(400);
    }

    void assertProblem(String path, HttpResponse<String> response) {
        assertProblem(path, response.body(), response.statusCode(), response.headers().firstValue("Content-Type").orElse(""));
    }

    void assertProblem(String path, String body, int status, String contentType) {
        assertThat(status).as(path + " " + body).isBetween(400, 499);
        assertThat(contentType).as(path).startsWith("application/problem+json");
        JsonNode problem = JSON.readTree(body);
        assertThat(problem.path("status").asInt()).as(path).isEqualTo(status);
        assertThat(problem.path("type").asString()).as(path).isNotBlank();
    }
}
