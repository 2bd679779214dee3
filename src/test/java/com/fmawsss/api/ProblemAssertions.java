package com.fmawsss.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** An HTTP answer is an RFC 7807 problem of our type, without internals. */
public final class ProblemAssertions {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private ProblemAssertions() {}

    public static void assertProblem(HttpResponse<byte[]> response, String type) {
        String body = new String(response.body(), StandardCharsets.UTF_8);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                v -> assertThat(v).startsWith("application/problem+json"));
        JsonNode problem = JSON.readTree(body);
        assertThat(problem.path("type").asString()).isEqualTo("urn:fma-wsss:problem:" + type);
        assertThat(problem.path("status").asInt()).isEqualTo(response.statusCode());
        assertThat(problem.path("detail").asString()).isNotBlank();
        assertThat(body).doesNotContain("Exception").doesNotContain("at com.").doesNotContain("at java.");
    }
}
