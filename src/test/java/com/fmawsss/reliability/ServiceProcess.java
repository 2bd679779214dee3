package com.fmawsss.reliability;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The service as a separate JVM (same classpath as the tests, main class {@code
 * FmaWsssApplication}) on a free loopback port, so a test can SIGKILL the whole process and start
 * another one on the same state directory.
 */
final class ServiceProcess {

    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final Process process;
    private final Path log;
    private final int port;

    private ServiceProcess(Process process, Path log, int port) {
        this.process = process;
        this.log = log;
        this.port = port;
    }

    /**
     * Starts the service and waits until readiness is UP (bundle loaded, warm-up done).
     *
     * @param state the state directory ({@code fma.state.dir})
     * @param dataRoot the only data root
     * @param token the admin token
     * @param log file receiving the process's stdout and stderr (appended)
     */
    static ServiceProcess start(Path state, Path dataRoot, String token, Path log) throws IOException, InterruptedException {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> command = new ArrayList<>(List.of(java, "-Xmx1g", "-XX:+ExitOnOutOfMemoryError", "-Dai.djl.offline=true",
                "-cp", System.getProperty("java.class.path"), "com.fmawsss.FmaWsssApplication",
                "--server.address=127.0.0.1", "--server.port=" + port,
                "--fma.state.dir=" + state, "--fma.data.roots=" + dataRoot));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(k -> k.startsWith("FMA_"));
        env.put("FMA_ADMIN_TOKEN", token); // the environment, not the command line: not visible in ps
        ServiceProcess service = new ServiceProcess(builder.start(), log, port);
        service.awaitReady(Duration.ofMinutes(3));
        return service;
    }

    int port() {
        return port;
    }

    long pid() {
        return process.pid();
    }

    /** SIGKILL: no shutdown hook, no finally block, no flush runs in the service. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** Stops the process if it still runs (test clean-up). */
    void stop() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** The last lines of the service log, for failure messages. */
    String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private void awaitReady(Duration timeout) throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/health/readiness"))
                .timeout(Duration.ofSeconds(5)).build();
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new AssertionError("the service exited during startup (code " + process.exitValue() + "):\n" + logTail());
            }
            try {
                HttpResponse<String> response = CLIENT.send(ready, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200 && response.body().contains("\"UP\"")) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        process.destroyForcibly();
        throw new AssertionError("the service was not ready within " + timeout + ":\n" + logTail());
    }
}
