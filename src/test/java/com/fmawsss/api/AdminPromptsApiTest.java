package com.fmawsss.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fmawsss.bundle.ModelBundle;
import com.fmawsss.prompts.PromptInfo;
import com.fmawsss.prompts.PromptSet;
import com.fmawsss.prompts.PromptSetFactory;
import com.fmawsss.prompts.PromptSetFile;
import com.fmawsss.prompts.PromptStore;
import com.fmawsss.prompts.Vocabulary;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/** The admin prompts API through the real HTTP stack: authentication matrix, store, hot swap. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class AdminPromptsApiTest {

    static final String TOKEN = "s3cret-admin-token";
    static final AtomicInteger IDS = new AtomicInteger();
    static Path stateDir;

    @LocalServerPort int port;

    @Autowired ModelBundle bundle;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) throws IOException {
        stateDir = Files.createTempDirectory("fma-admin-state-");
        registry.add("fma.state.dir", stateDir::toString);
        registry.add("fma.admin.token", () -> TOKEN);
    }

    /** Credentials of the matrix and the status they must get on success. */
    enum Credentials {
        NONE(null), WRONG("Bearer not-the-token"), PREFIX("Bearer " + TOKEN.substring(0, 6)), BASIC("Basic YWRtaW46eA=="), RIGHT("Bearer " + TOKEN);

        final String header;

        Credentials(String header) {
            this.header = header;
        }
    }

    static Stream<Arguments> matrix() {
        return Stream.of("list", "get", "activate", "upload")
                .flatMap(endpoint -> Stream.of(Credentials.values()).map(c -> Arguments.of(endpoint, c)));
    }

    int textWidth() {
        return bundle.manifest().clip().textWidth();
    }

    PromptSet learned(String id) {
        return PromptSetFactory.classification(id, Vocabulary.voc(), 16, textWidth(), 7);
    }

    static String newId() {
        return "learned-" + IDS.incrementAndGet();
    }

    HttpResponse<byte[]> call(String method, String path, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return Multipart.send(request.build());
    }

    HttpResponse<byte[]> upload(byte[] file, String authorization) throws Exception {
        Multipart multipart = new Multipart().file("file", "prompts.safetensors", "application/octet-stream", file);
        return authorization == null ? multipart.post(port, "/v1/admin/prompts", null)
                : multipart.post(port, "/v1/admin/prompts", null, "Authorization", authorization);
    }

    HttpResponse<byte[]> request(String endpoint, Credentials credentials) throws Exception {
        return switch (endpoint) {
            case "list" -> call("GET", "/v1/admin/prompts", credentials.header);
            case "get" -> call("GET", "/v1/admin/prompts/manual-coco", credentials.header);
            // The default version: the other tests read the active version instead of assuming it.
            case "activate" -> call("POST", "/v1/admin/prompts/manual-voc/activate", credentials.header);
            case "upload" -> upload(PromptSetFile.write(learned(newId())), credentials.header);
            default -> throw new IllegalArgumentException(endpoint);
        };
    }

    @ParameterizedTest(name = "{0} with {1}")
    @MethodSource("matrix")
    void everyAdminEndpointNeedsTheToken(String endpoint, Credentials credentials) throws Exception {
        HttpResponse<byte[]> response = request(endpoint, credentials);
        if (credentials == Credentials.RIGHT) {
            assertThat(response.statusCode()).as(new String(response.body())).isEqualTo("upload".equals(endpoint) ? 201 : 200);
            assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        } else {
            assertThat(response.statusCode()).isEqualTo(401);
            assertThat(response.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
            assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
            JsonNode problem = InferenceApiTest.json(response);
            assertThat(problem.path("type").asString()).isEqualTo("urn:fma-wsss:problem:unauthorized");
            assertThat(problem.path("status").asInt()).isEqualTo(401);
            assertThat(new String(response.body())).doesNotContain(TOKEN);
        }
    }

    @Test
    void pathTricksDoNotBypassTheToken() throws Exception {
        for (String path : List.of("/v1/admin/./prompts", "/v1/admin/prompts/", "/v1/admin/prompts;x=1", "/v1/x/../admin/prompts",
                "/v1/admin/prompts/manual-voc/activate;a=b")) {
            String method = path.endsWith("activate;a=b") ? "POST" : "GET";
            HttpResponse<byte[]> response = call(method, path, null);
            assertThat(response.statusCode()).as(path).isIn(400, 401, 404);
        }
    }

    @Test
    void listShowsVersionsWithMetadataMetricsAndTheActiveFlag() throws Exception {
        String id = newId();
        PromptSet set = learned(id).withInfo(PromptInfo.DATASET, "voc:train_aug").withInfo(PromptInfo.SEED_MIOU, "0.615")
                .withInfo(PromptInfo.PARENT, "manual-voc");
        assertThat(upload(PromptSetFile.write(set), "Bearer " + TOKEN).statusCode()).isEqualTo(201);

        JsonNode list = InferenceApiTest.json(call("GET", "/v1/admin/prompts", "Bearer " + TOKEN));
        String active = list.path("active").asString();
        JsonNode mine = null;
        JsonNode manual = null;
        for (JsonNode v : list.path("versions")) {
            if (v.path("version").asString().equals(id)) {
                mine = v;
            } else if (v.path("version").asString().equals("manual-voc")) {
                manual = v;
            }
            assertThat(v.path("active").asBoolean()).isEqualTo(v.path("version").asString().equals(active));
        }
        assertThat(mine).isNotNull();
        assertThat(mine.path("kind").asString()).isEqualTo("classification");
        assertThat(mine.path("layout").asString()).isEqualTo("voc");
        assertThat(mine.path("vocabulary").asString()).isEqualTo("voc");
        assertThat(mine.path("classCount").asInt()).isEqualTo(20);
        assertThat(mine.path("contextTokens").asInt()).isEqualTo(16);
        assertThat(mine.path("embeddingWidth").asInt()).isEqualTo(textWidth());
        assertThat(mine.path("builtIn").asBoolean()).isFalse();
        assertThat(mine.path("createdAt").asString()).isNotBlank();
        assertThat(mine.path("parent").asString()).isEqualTo("manual-voc");
        assertThat(mine.path("info").path("dataset").asString()).isEqualTo("voc:train_aug");
        assertThat(mine.path("metrics").path("seedMiou").asDouble()).isEqualTo(0.615);
        assertThat(manual).isNotNull();
        assertThat(manual.path("kind").asString()).isEqualTo("manual");
        assertThat(manual.path("builtIn").asBoolean()).isTrue();
        assertThat(manual.path("createdAt").isNull()).isTrue();

        JsonNode one = InferenceApiTest.json(call("GET", "/v1/admin/prompts/" + id, "Bearer " + TOKEN));
        assertThat(one.path("version").asString()).isEqualTo(id);
        assertThat(one.path("metrics").path("seedMiou").asDouble()).isEqualTo(0.615);
        assertThat(Files.exists(stateDir.resolve("prompts").resolve(id + ".safetensors"))).isTrue();
    }

    @Test
    void uploadsAreValidated() throws Exception {
        String auth = "Bearer " + TOKEN;
        assertProblem(upload("not a prompt set".getBytes(), auth), 422, "invalid-prompt-set");
        byte[] valid = PromptSetFile.write(learned(newId()));
        assertProblem(upload(java.util.Arrays.copyOf(valid, valid.length - 10), auth), 422, "invalid-prompt-set");
        PromptSet narrow = PromptSetFactory.classification(newId(), Vocabulary.voc(), 16, textWidth() + 8, 1);
        assertProblem(upload(PromptSetFile.write(narrow), auth), 422, "incompatible-prompt-set");
        assertProblem(upload(PromptSetFile.write(learned("../escape")), auth), 422, "invalid-prompt-set");

        assertThat(upload(valid, auth).statusCode()).isEqualTo(201);
        HttpResponse<byte[]> again = upload(valid, auth);
        assertProblem(again, 409, "prompt-version-exists");
        assertProblem(upload(PromptSetFile.write(learned("manual-voc")), auth), 409, "prompt-version-exists");

        HttpResponse<byte[]> noPart = new Multipart().field("other", "x").post(port, "/v1/admin/prompts", null, "Authorization", auth);
        assertProblem(noPart, 400, "invalid-request");
        HttpResponse<byte[]> json = Multipart.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/v1/admin/prompts"))
                .header("Authorization", auth).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build());
        assertProblem(json, 415, "unsupported-media-type");
        try (Stream<Path> files = Files.list(stateDir.resolve("prompts"))) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp") || n.contains("escape"));
        }
    }

    @Test
    void unknownVersionsAre404() throws Exception {
        assertProblem(call("GET", "/v1/admin/prompts/nope", "Bearer " + TOKEN), 404, "unknown-prompt-version");
        assertProblem(call("POST", "/v1/admin/prompts/nope/activate", "Bearer " + TOKEN), 404, "unknown-prompt-version");
    }

    @Test
    void activatingALearnedSetChangesMasksWithoutRestartAndRollbackRestores() throws Exception {
        String auth = "Bearer " + TOKEN;
        String id = newId();
        assertThat(upload(PromptSetFile.write(learned(id)), auth).statusCode()).isEqualTo(201);
        String before = InferenceApiTest.json(call("GET", "/v1/admin/prompts", auth)).path("active").asString();

        HttpResponse<byte[]> activation = call("POST", "/v1/admin/prompts/" + id + "/activate", auth);
        assertThat(activation.statusCode()).as(new String(activation.body())).isEqualTo(200);
        assertThat(InferenceApiTest.json(activation).path("active").asString()).isEqualTo(id);
        assertThat(InferenceApiTest.json(activation).path("previous").asString()).isEqualTo(before);
        assertThat(Files.readString(stateDir.resolve("prompts/active.json"))).contains("\"version\":\"" + id + "\"");

        assertThat(masksPromptId()).isEqualTo(id);
        // A request can still pin another version.
        assertThat(masksPromptId("prompts", "manual-voc")).isEqualTo("manual-voc");
        // A restarted replica over the same directory comes up with the activated version.
        PromptStore restarted = new PromptStore(stateDir.resolve("prompts"), textWidth());
        assertThat(restarted.active().id()).isEqualTo(id);

        HttpResponse<byte[]> rollback = call("POST", "/v1/admin/prompts/" + before + "/activate", auth);
        assertThat(InferenceApiTest.json(rollback).path("previous").asString()).isEqualTo(id);
        assertThat(masksPromptId()).isEqualTo(before);
    }

    String masksPromptId(String... fields) throws Exception {
        Multipart m = new Multipart().file("image", "x.png", "image/png", InferenceApiTest.PNG).field("classes", "cat,dog")
                .field("refine", "none");
        for (int i = 0; i < fields.length; i += 2) {
            m.field(fields[i], fields[i + 1]);
        }
        HttpResponse<byte[]> response = m.post(port, "/v1/masks", "application/json");
        assertThat(response.statusCode()).as(new String(response.body())).isEqualTo(200);
        return InferenceApiTest.json(response).path("metadata").path("prompts").path("id").asString();
    }

    static void assertProblem(HttpResponse<byte[]> response, int status, String slug) {
        assertThat(response.statusCode()).as(new String(response.body())).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
        assertThat(InferenceApiTest.json(response).path("type").asString()).isEqualTo("urn:fma-wsss:problem:" + slug);
    }
}
