package com.fmawsss.api.labelstudio;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** Basic auth as the ML backend protocol defines it, on a configured base path. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class LabelStudioBasicAuthTest {

    static final HttpClient HTTP = HttpClient.newHttpClient();

    @LocalServerPort int port;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) throws Exception {
        String dir = Files.createTempDirectory("fma-ls-auth-state-").toString();
        registry.add("fma.state.dir", () -> dir);
        registry.add("fma.label-studio.base-path", () -> "/tools/ls");
        registry.add("fma.label-studio.basic-auth-user", () -> "studio");
        registry.add("fma.label-studio.basic-auth-password", () -> "s3cret:with-colon");
    }

    HttpResponse<String> get(String path, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static String basic(String credentials) {
        return "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void everyEndpointNeedsTheCredentials() throws Exception {
        for (String path : new String[] {"/tools/ls/health", "/tools/ls", "/tools/ls/metrics"}) {
            HttpResponse<String> none = get(path, null);
            assertThat(none.statusCode()).as(path).isEqualTo(401);
            assertThat(none.headers().firstValue("WWW-Authenticate")).hasValue("Basic realm=\"Login required\"");
            assertThat(get(path, basic("studio:wrong")).statusCode()).as(path).isEqualTo(401);
            assertThat(get(path, basic("other:s3cret:with-colon")).statusCode()).as(path).isEqualTo(401);
            assertThat(get(path, "Basic !!!").statusCode()).as(path).isEqualTo(401);
            assertThat(get(path, basic("studio:s3cret:with-colon")).statusCode()).as(path).isEqualTo(200);
        }
        assertThat(get("/label-studio/health", null).statusCode()).as("the default base path is not served").isEqualTo(404);
        assertThat(get("/actuator/health/liveness", null).statusCode()).as("other endpoints are not guarded").isEqualTo(200);
    }
}
