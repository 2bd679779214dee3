package com.fmawsss.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.utility.DockerImageName;

/**
 * Builds the repository's Dockerfile and calls {@code /v1/masks} on the container. Skipped (not
 * failed) where no Docker engine is reachable.
 *
 * <p>The image is built with the docker CLI rather than Testcontainers' {@code
 * ImageFromDockerfile}: the Dockerfile's Maven cache mounts ({@code RUN --mount}) need BuildKit,
 * which the Docker API build that Testcontainers uses does not speak.
 */
@Tag("docker")
@Testcontainers(disabledWithoutDocker = true)
class DockerImageTest {

    static final String IMAGE = "fma-wsss:test-cpu";

    @Test
    void imageServesMasksWithTheDemoBundle() throws Exception {
        build();
        try (GenericContainer<?> service = new GenericContainer<>(DockerImageName.parse(IMAGE))
                .withExposedPorts(8080)
                .waitingFor(Wait.forHttp("/actuator/health/readiness").forPort(8080).forStatusCode(200)
                        .withStartupTimeout(Duration.ofMinutes(5)))) {
            service.start();

            HttpResponse<String> response = postMasks(service.getHost(), service.getMappedPort(8080), photo());

            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            assertThat(response.body()).contains("\"masks\"").contains("\"background\"");
            // Runs as the image's non-root user.
            assertThat(service.execInContainer("id", "-u").getStdout().strip()).isEqualTo("10001");
        }
    }

    private static void build() throws IOException, InterruptedException {
        Path log = Files.createTempFile("fma-docker-build-", ".log");
        ProcessBuilder docker = new ProcessBuilder("docker", "build", "--build-arg", "VARIANT=cpu", "-t", IMAGE, ".")
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        docker.environment().put("DOCKER_BUILDKIT", "1");
        Process process = docker.start();
        boolean done = process.waitFor(40, TimeUnit.MINUTES);
        if (!done) {
            process.destroyForcibly();
        }
        assertThat(done && process.exitValue() == 0).as("docker build (log: %s)%n%s", log, tail(log)).isTrue();
    }

    private static String tail(Path log) throws IOException {
        String text = Files.readString(log);
        return text.substring(Math.max(0, text.length() - 4000));
    }

    private static byte[] photo() throws IOException {
        try (var in = DockerImageTest.class.getResourceAsStream("/photos/chelsea.jpg")) {
            assertThat(in).isNotNull();
            return in.readAllBytes();
        }
    }

    private static HttpResponse<String> postMasks(String host, int port, byte[] image) throws Exception {
        String boundary = "----fma-docker-" + System.nanoTime();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"chelsea.jpg\"\r\n"
                + "Content-Type: image/jpeg\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(image);
        body.writeBytes(("\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"classes\"\r\n\r\ncat\r\n--"
                + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + "/v1/masks"))
                .timeout(Duration.ofMinutes(3))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()))
                .build();
        return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
    }
}
