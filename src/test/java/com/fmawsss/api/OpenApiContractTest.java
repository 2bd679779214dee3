package com.fmawsss.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code api/openapi.yaml} is the contract: springdoc's generated document must expose the same
 * operations with the same inputs. Inputs are compared by name whether a document declares them
 * as query parameters or multipart properties (the endpoints bind both).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class OpenApiContractTest {

    @LocalServerPort int port;

    @Test
    void generatedDocumentMatchesTheContract() throws Exception {
        HttpResponse<byte[]> docs = Multipart.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/v3/api-docs")).build());
        assertThat(docs.statusCode()).isEqualTo(200);
        JsonNode generated = JsonMapper.builder().build().readTree(new String(docs.body(), StandardCharsets.UTF_8));
        Map<String, Set<String>> fromSpringdoc = new TreeMap<>();
        generated.path("paths").properties().forEach(path -> path.getValue().properties().forEach(op -> {
            Set<String> inputs = new TreeSet<>();
            op.getValue().path("parameters").forEach(p -> {
                if (!"header".equals(p.path("in").asString())) {
                    inputs.add(p.path("name").asString());
                }
            });
            op.getValue().path("requestBody").path("content").path("multipart/form-data").path("schema").path("properties")
                    .properties().forEach(prop -> inputs.add(prop.getKey()));
            fromSpringdoc.put(op.getKey().toUpperCase() + " " + path.getKey(), inputs);
        }));

        Map<String, Object> contract;
        try (InputStream in = Files.newInputStream(Path.of("api/openapi.yaml"))) {
            contract = new Yaml().load(in);
        }
        Map<String, Set<String>> fromContract = new TreeMap<>();
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> paths = (Map<String, Map<String, Object>>) contract.get("paths");
        paths.forEach((path, ops) -> ops.forEach((method, op) -> {
            Set<String> inputs = new TreeSet<>();
            @SuppressWarnings("unchecked")
            Map<String, Object> operation = (Map<String, Object>) op;
            Object body = dig(operation, "requestBody", "content", "multipart/form-data", "schema", "properties");
            if (body instanceof Map<?, ?> properties) {
                properties.keySet().forEach(k -> inputs.add(k.toString()));
            }
            if (operation.get("parameters") instanceof Iterable<?> parameters) {
                // Headers (Accept, Prefer) are left out on both sides: springdoc lists them unevenly.
                parameters.forEach(p -> {
                    if (!"header".equals(((Map<?, ?>) p).get("in"))) {
                        inputs.add(((Map<?, ?>) p).get("name").toString());
                    }
                });
            }
            fromContract.put(method.toUpperCase() + " " + path, inputs);
            // Every operation documents its problem responses.
            Set<String> codes = new TreeSet<>();
            ((Map<?, ?>) operation.get("responses")).keySet().forEach(k -> codes.add(k.toString()));
            if (path.startsWith("/v1/admin/")) {
                // Admin calls are not scheduled (no 429/503) but are guarded: bad token, API disabled.
                assertThat(codes).as("%s %s responses", method, path).contains("401", "404");
                if (method.equals("post")) {
                    // Every admin POST writes the state directory: full or read-only storage is a 507.
                    assertThat(codes).as("%s %s responses", method, path).contains("507");
                }
            } else if (path.startsWith("/v1/requests/")) {
                // Asynchronous requests: a wrong or expired id is a 404 problem.
                assertThat(codes).as("%s %s responses", method, path).contains("404");
            } else if (method.equals("get")) {
                // Public reads run nothing on the scheduler and take no upload.
                assertThat(codes).as("%s %s responses", method, path).contains("200");
            } else {
                assertThat(codes).as("%s %s responses", method, path).contains("200", "202", "400", "413", "415", "422", "429", "503");
            }
        }));
        assertThat(fromSpringdoc).isEqualTo(fromContract);
    }

    /**
     * The JSON bodies of successful answers: for every operation and 2xx status both documents
     * declare, the same top-level properties (references to components and array items resolved).
     */
    @Test
    void generatedResponseSchemasMatchTheContract() throws Exception {
        HttpResponse<byte[]> docs = Multipart.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/v3/api-docs")).build());
        JsonMapper json = JsonMapper.builder().build();
        JsonNode generated = json.readTree(new String(docs.body(), StandardCharsets.UTF_8));
        JsonNode contract;
        try (InputStream in = Files.newInputStream(Path.of("api/openapi.yaml"))) {
            contract = json.valueToTree(new Yaml().load(in));
        }
        Map<String, Set<String>> fromSpringdoc = responseProperties(generated);
        Map<String, Set<String>> fromContract = responseProperties(contract);

        assertThat(fromContract).isNotEmpty();
        Map<String, Set<String>> contractShared = new TreeMap<>(fromContract);
        contractShared.keySet().retainAll(fromSpringdoc.keySet());
        Map<String, Set<String>> springdocShared = new TreeMap<>(fromSpringdoc);
        springdocShared.keySet().retainAll(fromContract.keySet());
        // Every documented JSON answer is generated, with the same properties.
        assertThat(contractShared.keySet()).isEqualTo(fromContract.keySet());
        assertThat(springdocShared).isEqualTo(contractShared);
    }

    /** {@code "GET /path 200"} to the property names of its {@code application/json} schema. */
    private static Map<String, Set<String>> responseProperties(JsonNode document) {
        Map<String, Set<String>> out = new TreeMap<>();
        document.path("paths").properties().forEach(path -> path.getValue().properties().forEach(op ->
                op.getValue().path("responses").properties().forEach(response -> {
                    if (!response.getKey().matches("20[0-2]")) {
                        return;
                    }
                    JsonNode content = resolve(document, response.getValue()).path("content");
                    // springdoc names the media type */* where a handler declares none.
                    JsonNode media = content.has("application/json") ? content.path("application/json") : content.path("*/*");
                    JsonNode schema = resolve(document, media.path("schema"));
                    if (schema.path("type").asString("").equals("array")) {
                        schema = resolve(document, schema.path("items"));
                    }
                    Set<String> properties = new TreeSet<>();
                    schema.path("properties").properties().forEach(p -> properties.add(p.getKey()));
                    if (!properties.isEmpty()) {
                        out.put(op.getKey().toUpperCase() + " " + path.getKey() + " " + response.getKey(), properties);
                    }
                })));
        return out;
    }

    private static JsonNode resolve(JsonNode document, JsonNode node) {
        String ref = node.path("$ref").asString("");
        if (!ref.startsWith("#/")) {
            return node;
        }
        JsonNode target = document;
        for (String part : ref.substring(2).split("/")) {
            target = target.path(part);
        }
        return resolve(document, target);
    }

    @Test
    void swaggerUiIsServed() throws Exception {
        HttpResponse<byte[]> ui = Multipart.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/swagger-ui/index.html")).build());
        assertThat(ui.statusCode()).isEqualTo(200);
        assertThat(new String(ui.body(), StandardCharsets.UTF_8)).contains("Swagger UI");
    }

    private static Object dig(Map<String, Object> map, String... keys) {
        Object current = map;
        for (String key : keys) {
            if (!(current instanceof Map<?, ?> m)) {
                return null;
            }
            current = m.get(key);
        }
        return current;
    }
}
