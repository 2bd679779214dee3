package com.fmawsss.readiness;

import static org.assertj.core.api.Assertions.assertThat;

import com.fmawsss.bundle.BundleManifest;
import com.fmawsss.bundle.BundleVerifier;
import com.fmawsss.bundle.DemoBundle;
import com.fmawsss.bundle.ModelBundle;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.event.EventListener;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The whole service on a random port with the demo bundle (fma.bundle.dir unset): probes, info,
 * endpoint exposure.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ApplicationTest {

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    @TestConfiguration
    static class ReadinessRecorder {

        /** Readiness changes in order, each with whether warm-up had finished at that moment. */
        final List<String> events = new CopyOnWriteArrayList<>();

        @Autowired ReadinessGate gate;

        @EventListener
        void on(AvailabilityChangeEvent<ReadinessState> event) {
            events.add(event.getState() + (gate.warmUpMillis().isPresent() ? "/warm" : "/cold"));
        }
    }

    @LocalServerPort int port;

    @Autowired ModelBundle bundle;

    @Autowired ApplicationAvailability availability;

    @Autowired ReadinessRecorder recorder;

    private final HttpClient http = HttpClient.newHttpClient();
    private final JsonMapper json = JsonMapper.builder().build();

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        HttpRequest request =
                HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                        .timeout(Duration.ofSeconds(10))
                        .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode awaitReadiness() throws Exception {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        HttpResponse<String> response = get("/actuator/health/readiness");
        while (response.statusCode() != 200 && System.nanoTime() < deadline) {
            Thread.sleep(200);
            response = get("/actuator/health/readiness");
        }
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json.readTree(response.body());
    }

    @Test
    void readinessTurnsUpOnlyAfterWarmUp() throws Exception {
        JsonNode readiness = awaitReadiness();

        assertThat(readiness.path("status").asString()).isEqualTo("UP");
        JsonNode details = readiness.path("components").path("bundle").path("details");
        assertThat(details.path("demo").asBoolean()).isTrue();
        assertThat(details.path("tiny").asBoolean()).isTrue();
        assertThat(details.path("device").asString()).isEqualTo("cpu");
        assertThat(details.path("warmUpMs").isIntegralNumber()).isTrue();
        assertThat(availability.getReadinessState()).isEqualTo(ReadinessState.ACCEPTING_TRAFFIC);
        // REFUSING before warm-up; the first ACCEPTING only once warm-up finished.
        assertThat(recorder.events).first().isEqualTo("REFUSING_TRAFFIC/cold");
        assertThat(recorder.events).contains("ACCEPTING_TRAFFIC/warm");
        assertThat(recorder.events).doesNotContain("ACCEPTING_TRAFFIC/cold");
    }

    @Test
    void livenessIsUp() throws Exception {
        HttpResponse<String> response = get("/actuator/health/liveness");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(json.readTree(response.body()).path("status").asString()).isEqualTo("UP");
    }

    @Test
    void infoDescribesTheDemoBundle() throws Exception {
        BundleManifest packaged = packagedManifest();

        HttpResponse<String> response = get("/actuator/info");

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode info = json.readTree(response.body()).path("bundle");
        assertThat(info.path("demo").asBoolean()).isTrue();
        assertThat(info.path("tiny").asBoolean()).isTrue();
        assertThat(info.path("clip").path("source").asString()).isEqualTo(packaged.clip().source());
        assertThat(info.path("sam").path("source").asString()).isEqualTo(packaged.sam().source());
        assertThat(info.path("formatVersion").asInt()).isEqualTo(1);
        assertThat(info.path("dtype").asString()).isEqualTo("float32");
        assertThat(info.path("device").asString()).isEqualTo("cpu");
        assertThat(bundle.demo()).isTrue();
    }

    @Test
    void onlyHealthInfoAndPrometheusAreExposed() throws Exception {
        assertThat(get("/actuator/env").statusCode()).isEqualTo(404);
        assertThat(get("/actuator/beans").statusCode()).isEqualTo(404);
        assertThat(get("/actuator/configprops").statusCode()).isEqualTo(404);
        HttpResponse<String> prometheus = get("/actuator/prometheus");
        assertThat(prometheus.statusCode()).isEqualTo(200);
        assertThat(prometheus.body()).contains("jvm_memory_used_bytes");
    }

    @Test
    void openApiDocumentIsServed() throws Exception {
        HttpResponse<String> response = get("/v3/api-docs");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(json.readTree(response.body()).path("openapi").asString()).startsWith("3.");
    }

    private static BundleManifest packagedManifest() throws IOException {
        try (InputStream in =
                ApplicationTest.class
                        .getClassLoader()
                        .getResourceAsStream(DemoBundle.RESOURCE_ROOT + BundleManifest.FILE_NAME)) {
            assertThat(in).as("demo bundle on the classpath").isNotNull();
            return new BundleVerifier().parseManifest(in.readAllBytes());
        }
    }
}
