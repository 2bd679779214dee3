package com.fmawsss.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** Without {@code fma.admin.token} every admin endpoint is a 404 problem, whatever the request. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class AdminApiDisabledTest {

    @LocalServerPort int port;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("fma.admin.token", () -> "");
    }

    @Test
    void everyAdminEndpointAnswers404() throws Exception {
        for (List<String> call : List.of(List.of("GET", "/v1/admin/prompts"), List.of("GET", "/v1/admin/prompts/manual-voc"),
                List.of("POST", "/v1/admin/prompts/manual-coco/activate"), List.of("POST", "/v1/admin/prompts"))) {
            for (String authorization : new String[] {null, "Bearer ", "Bearer anything"}) {
                HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + call.get(1)))
                        .method(call.get(0), HttpRequest.BodyPublishers.noBody());
                if (authorization != null && !authorization.isBlank()) {
                    request.header("Authorization", authorization);
                }
                HttpResponse<byte[]> response = Multipart.send(request.build());
                assertThat(response.statusCode()).as("%s %s", call.get(0), call.get(1)).isEqualTo(404);
                assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
                assertThat(InferenceApiTest.json(response).path("type").asString()).isEqualTo("urn:fma-wsss:problem:not-found");
            }
        }
    }

    @Test
    void inferenceStillUsesTheDefaultPrompts() throws Exception {
        HttpResponse<byte[]> response = new Multipart().file("image", "x.png", "image/png", InferenceApiTest.PNG)
                .field("classes", "cat").field("refine", "none").post(port, "/v1/masks", "application/json");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(InferenceApiTest.json(response).path("metadata").path("prompts").path("id").asString()).isEqualTo("manual-voc");
    }
}
