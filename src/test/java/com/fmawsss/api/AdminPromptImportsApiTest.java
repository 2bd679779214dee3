package com.fmawsss.api;

import static com.fmawsss.api.AdminPromptsApiTest.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import com.fmawsss.PythonReference;
import com.fmawsss.prompts.PromptSet;
import com.fmawsss.prompts.PromptSetFile;
import com.fmawsss.prompts.PromptStore;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * {@code POST /v1/admin/prompts/imports}: official FMA-WSSS checkpoints written by real {@code
 * torch.save} (models/reference/torch_checkpoint_reference.py, contexts of the demo bundle's text
 * width 16) become stored, inactive prompt versions equal to what {@code models/export.py
 * import-prompts} makes of the same file; hostile or mismatched files are refused with problems.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class AdminPromptImportsApiTest {

    static final String TOKEN = "import-admin-token";
    static final String AUTH = "Bearer " + TOKEN;
    static Path stateDir;
    static Path checkpoints;

    @LocalServerPort int port;

    @Autowired PromptStore store;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) throws IOException {
        stateDir = Files.createTempDirectory("fma-import-state-");
        registry.add("fma.state.dir", stateDir::toString);
        registry.add("fma.admin.token", () -> TOKEN);
    }

    @BeforeAll
    static void writeCheckpoints() throws IOException {
        checkpoints = Files.createTempDirectory("fma-import-ckpt-");
        PythonReference.run("models/reference/torch_checkpoint_reference.py", "--out", checkpoints.toString());
    }

    @AfterAll
    static void nothingWasExecuted() {
        assertThat(checkpoints.resolve("pwned")).doesNotExist();
    }

    HttpResponse<byte[]> post(String checkpoint, String authorization, String... fields) throws Exception {
        Multipart form = new Multipart();
        if (checkpoint != null) {
            form.file("checkpoint", checkpoint + ".pth", "application/octet-stream", Files.readAllBytes(checkpoints.resolve(checkpoint + ".pth")));
        }
        for (int i = 0; i < fields.length; i += 2) {
            form.field(fields[i], fields[i + 1]);
        }
        return authorization == null ? form.post(port, "/v1/admin/prompts/imports", null)
                : form.post(port, "/v1/admin/prompts/imports", null, "Authorization", authorization);
    }

    @Test
    void vocSegmentationCheckpointBecomesAnInactiveVersionEqualToThePythonImport() throws Exception {
        String active = store.active().id();
        HttpResponse<byte[]> response = post("fma-voc-seg", AUTH, "vocabulary", "voc", "name", "fma-seg-voc");
        assertThat(response.statusCode()).as(new String(response.body())).isEqualTo(201);
        assertThat(response.headers().firstValue("Location")).hasValue("/v1/admin/prompts/fma-seg-voc");
        JsonNode view = InferenceApiTest.json(response);
        assertThat(view.path("kind").asString()).isEqualTo("segmentation");
        assertThat(view.path("layout").asString()).isEqualTo("voc");
        assertThat(view.path("classCount").asInt()).isEqualTo(20);
        assertThat(view.path("contextTokens").asInt()).isEqualTo(16);
        assertThat(view.path("embeddingWidth").asInt()).isEqualTo(16);
        assertThat(view.path("active").asBoolean()).isFalse();
        assertThat(view.path("info").path("source").asString()).isEqualTo("fma-voc-seg.pth");
        assertThat(view.path("info").path("sourceSha256").asString()).isEqualTo(
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(checkpoints.resolve("fma-voc-seg.pth")))));
        assertThat(store.active().id()).isEqualTo(active);
        assertThat(stateDir.resolve("prompts/fma-seg-voc.safetensors")).exists();

        Path python = checkpoints.resolve("python-import.safetensors");
        PythonReference.run("models/export.py", "import-prompts", "--checkpoint", checkpoints.resolve("fma-voc-seg.pth").toString(),
                "--vocabulary", "voc", "--id", "fma-seg-voc", "--out", python.toString());
        PromptSet fromPython = PromptSetFile.read(Files.readAllBytes(python));
        PromptSet stored = store.get("fma-seg-voc").orElseThrow();
        assertThat(stored.contexts()).isEqualTo(fromPython.contexts());
        assertThat(stored.kind()).isEqualTo(fromPython.kind());
        assertThat(stored.layout()).isEqualTo(fromPython.layout());
        assertThat(stored.vocabulary()).isEqualTo(fromPython.vocabulary());
        assertThat(stored.info()).containsAllEntriesOf(fromPython.info());
    }

    @Test
    void sharedContextsNeedTheKindAndFollowTheVocabulary() throws Exception {
        assertMismatch(post("fma-shared", AUTH, "vocabulary", "voc", "name", "shared-1"), "give the kind");
        HttpResponse<byte[]> cls = post("fma-shared", AUTH, "vocabulary", "voc", "name", "shared-cls", "kind", "classification");
        assertThat(cls.statusCode()).as(new String(cls.body())).isEqualTo(201);
        assertThat(InferenceApiTest.json(cls).path("layout").asString()).isEqualTo("voc");
        HttpResponse<byte[]> seg = post("fma-dataparallel", AUTH, "vocabulary", "coco", "name", "shared-seg-coco", "kind", "segmentation");
        assertThat(seg.statusCode()).as(new String(seg.body())).isEqualTo(201);
        assertThat(InferenceApiTest.json(seg).path("layout").asString()).isEqualTo("coco");
        assertThat(InferenceApiTest.json(seg).path("classCount").asInt()).isEqualTo(80);
        // The GPU-saved variant (storage location 'cuda:0') reads the same way.
        HttpResponse<byte[]> cuda = post("cuda-location", AUTH, "vocabulary", "coco", "name", "shared-cuda", "kind", "classification");
        assertThat(cuda.statusCode()).as(new String(cuda.body())).isEqualTo(201);
        assertThat(InferenceApiTest.json(cuda).path("layout").asString()).isEqualTo("coco");
    }

    @Test
    void mismatchedClassesAreListed() throws Exception {
        JsonNode rows = assertMismatch(post("fma-mixin", AUTH, "vocabulary", "voc", "name", "mixin-1"), "do not match vocabulary voc");
        assertThat(rows.path("differences").get(0).asString()).isEqualTo(
                "count: the checkpoint has 21 class-specific contexts, vocabulary voc needs 20 classes + 25 background prompts = 45");
        String classes = "[\"aeroplane\",\"bicycle\",\"bird\",\"sheep\"]";
        JsonNode named = assertMismatch(post("fma-shared", AUTH, "vocabulary", "voc", "name", "named-1", "kind", "classification",
                "classes", classes), "do not match");
        assertThat(named.path("differences").get(0).asString()).startsWith("count: the checkpoint's list has 4 entries");
        assertThat(named.path("differences").get(1).asString()).isEqualTo("class 3: checkpoint 'sheep', vocabulary 'boat' ('boat')");
        assertThat(store.get("mixin-1")).isEmpty();
    }

    @Test
    void badFilesAndFieldsAreRefused() throws Exception {
        for (String hostile : List.of("os-system", "builtins-eval", "truncated-zip", "truncated-pickle", "not-a-zip", "huge-shape",
                "double-storage", "module-state-dict")) {
            assertProblem(post(hostile, AUTH, "vocabulary", "voc", "name", "bad-" + hostile, "kind", "classification"), 422,
                    "invalid-checkpoint");
        }
        assertProblem(post("fma-wrong-width", AUTH, "vocabulary", "voc", "name", "wide", "kind", "classification"), 422,
                "incompatible-prompt-set");
        assertProblem(post(null, AUTH, "vocabulary", "voc", "name", "x"), 400, "invalid-request");
        assertProblem(post("fma-voc-seg", AUTH, "name", "x"), 400, "invalid-request");
        assertProblem(post("fma-voc-seg", AUTH, "vocabulary", "ade20k", "name", "x"), 400, "invalid-request");
        assertProblem(post("fma-voc-seg", AUTH, "vocabulary", "voc"), 400, "invalid-request");
        assertProblem(post("fma-voc-seg", AUTH, "vocabulary", "voc", "name", "x", "kind", "detection"), 400, "invalid-request");
        assertProblem(post("fma-voc-seg", AUTH, "vocabulary", "voc", "name", "x", "classes", "{\"a\": 1}"), 400, "invalid-request");
        assertProblem(post("fma-voc-seg", AUTH, "vocabulary", "voc", "name", "../escape"), 422, "invalid-prompt-set");
        assertProblem(post("fma-voc-seg", AUTH, "vocabulary", "voc", "name", "manual-voc"), 409, "prompt-version-exists");
        assertProblem(post("fma-voc-seg", null, "vocabulary", "voc", "name", "no-token"), 401, "unauthorized");
        try (Stream<Path> files = Files.list(stateDir.resolve("prompts"))) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("bad-") || n.contains("escape")
                    || n.startsWith("no-token") || n.endsWith(".tmp"));
        }
    }

    private static JsonNode assertMismatch(HttpResponse<byte[]> response, String detail) {
        assertProblem(response, 422, "checkpoint-mismatch");
        JsonNode problem = InferenceApiTest.json(response);
        assertThat(problem.path("detail").asString()).contains(detail);
        assertThat(problem.path("differences").isArray()).isTrue();
        return problem;
    }
}
