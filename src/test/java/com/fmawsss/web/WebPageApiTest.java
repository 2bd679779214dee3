package com.fmawsss.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** What the page needs from the service, over HTTP: the page itself, the vocabulary, the seed-job list. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class WebPageApiTest {

    static final String TOKEN = "web-api-test-token";
    static final JsonMapper JSON = JsonMapper.builder().build();

    @LocalServerPort int port;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("fma.admin.token", () -> TOKEN);
    }

    HttpResponse<String> get(String path, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void thePageIsServedAtTheRoot() throws Exception {
        HttpResponse<String> page = get("/", null);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
        assertThat(page.body()).contains("<script type=\"module\" src=\"app.js\"></script>");
        HttpResponse<String> script = get("/app.js", null);
        assertThat(script.statusCode()).isEqualTo(200);
        assertThat(script.headers().firstValue("Content-Type").orElse("")).contains("javascript");
    }

    @Test
    void theVocabularyOfTheActiveOrAGivenPromptSetIsPublic() throws Exception {
        HttpResponse<String> response = get("/v1/vocabulary", null);
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.path("promptSet").asString()).isEqualTo("manual-voc");
        assertThat(body.path("kind").asString()).isEqualTo("manual");
        assertThat(body.path("vocabulary").asString()).isEqualTo("voc");
        assertThat(body.path("classes")).hasSize(20);
        assertThat(body.path("classes").get(0).path("name").asString()).isEqualTo("aeroplane");
        assertThat(body.path("classes").get(14).path("name").asString()).isEqualTo("person");
        assertThat(body.path("classes").get(14).path("prompt").asString()).isEqualTo("person with clothes,people,human");

        JsonNode coco = JSON.readTree(get("/v1/vocabulary?prompts=manual-coco", null).body());
        assertThat(coco.path("promptSet").asString()).isEqualTo("manual-coco");
        assertThat(coco.path("classes")).hasSize(80);

        HttpResponse<String> unknown = get("/v1/vocabulary?prompts=no-such-version", null);
        assertThat(unknown.statusCode()).isEqualTo(422);
        assertThat(unknown.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
        assertThat(JSON.readTree(unknown.body()).path("type").asString()).isEqualTo("urn:fma-wsss:problem:unknown-prompt-version");
    }

    @Test
    void seedJobsAreListedForTheAdminOnly() throws Exception {
        HttpResponse<String> list = get("/v1/admin/seed-jobs", TOKEN);
        assertThat(list.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(list.body()).isArray()).isTrue();
        assertThat(get("/v1/admin/seed-jobs", null).statusCode()).isEqualTo(401);
    }
}
