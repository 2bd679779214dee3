package com.fmawsss.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The guarded client against a local server: redirects are re-checked hop by hop, credentials stay
 * on their origin, bodies are capped whether or not they declare a length, and slow answers time
 * out. Only loopback is contacted; refused targets are never connected to.
 */
class GuardedHttpClientTest {

    private HttpServer server;
    private String origin;
    private final Map<String, String> authorizationSeen = new ConcurrentHashMap<>();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/ok", e -> reply(e, 200, "hello".getBytes()));
        server.createContext("/to-ok", e -> redirect(e, "/ok"));
        server.createContext("/to-metadata", e -> redirect(e, "http://169.254.169.254/latest/meta-data/"));
        server.createContext("/to-file", e -> redirect(e, "file:///etc/passwd"));
        server.createContext("/to-other-origin", e -> redirect(e, "http://localhost:" + server.getAddress().getPort() + "/ok"));
        server.createContext("/loop", e -> redirect(e, "/loop"));
        server.createContext("/big", e -> reply(e, 200, new byte[5000]));
        server.createContext("/big-chunked", e -> {
            e.sendResponseHeaders(200, 0);
            try (OutputStream out = e.getResponseBody()) {
                for (int i = 0; i < 10; i++) {
                    out.write(new byte[1000]);
                    out.flush();
                }
            }
        });
        server.createContext("/slow", e -> {
            try {
                Thread.sleep(3000);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
            reply(e, 200, "late".getBytes());
        });
        server.start();
        origin = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private void reply(HttpExchange e, int status, byte[] body) throws IOException {
        String auth = e.getRequestHeaders().getFirst("Authorization");
        authorizationSeen.put(e.getRequestURI().getPath() + "@" + e.getRequestHeaders().getFirst("Host"), auth == null ? "-" : auth);
        e.sendResponseHeaders(status, body.length);
        try (OutputStream out = e.getResponseBody()) {
            out.write(body);
        }
    }

    private static void redirect(HttpExchange e, String location) throws IOException {
        e.getResponseHeaders().add("Location", location);
        e.sendResponseHeaders(302, -1);
        e.close();
    }

    private GuardedHttpClient client(List<String> hosts) {
        OutboundPolicy policy = new OutboundPolicy(hosts, true, false, OutboundPolicy.systemResolver());
        return new GuardedHttpClient(policy, Duration.ofSeconds(2), Duration.ofMillis(1500), 3);
    }

    private GuardedHttpClient.Credentials credentials() {
        return new GuardedHttpClient.Credentials(URI.create(origin), () -> "Token secret-key");
    }

    @Test
    void followsAllowedRedirectsWithCredentialsOnTheirOriginOnly() {
        GuardedHttpClient http = client(List.of("127.0.0.1", "localhost"));
        GuardedHttpClient.Response same = http.send(GuardedHttpClient.Request.get(URI.create(origin + "/to-ok"), 100, credentials()));
        assertThat(same.status()).isEqualTo(200);
        assertThat(new String(same.body())).isEqualTo("hello");
        assertThat(authorizationSeen.get("/ok@127.0.0.1:" + server.getAddress().getPort())).isEqualTo("Token secret-key");

        authorizationSeen.clear();
        GuardedHttpClient.Response other = http.send(GuardedHttpClient.Request.get(URI.create(origin + "/to-other-origin"), 100,
                credentials()));
        assertThat(other.status()).isEqualTo(200);
        assertThat(other.uri().getHost()).isEqualTo("localhost");
        assertThat(authorizationSeen.get("/ok@localhost:" + server.getAddress().getPort())).isEqualTo("-");
    }

    @Test
    void redirectsToRefusedTargetsAreNotFollowed() {
        GuardedHttpClient http = client(List.of("127.0.0.1", "169.254.169.254"));
        assertThatThrownBy(() -> http.send(GuardedHttpClient.Request.get(URI.create(origin + "/to-metadata"), 100, null)))
                .isInstanceOfSatisfying(OutboundRequestException.class, e -> {
                    assertThat(e.kind()).isEqualTo(OutboundRequestException.Kind.REFUSED);
                    assertThat(e.getMessage()).contains("redirect", "169.254.169.254", "link-local");
                });
        assertThatThrownBy(() -> http.send(GuardedHttpClient.Request.get(URI.create(origin + "/to-file"), 100, null)))
                .hasMessageContaining("scheme 'file'");
        assertThatThrownBy(() -> http.send(GuardedHttpClient.Request.get(URI.create(origin + "/to-other-origin"), 100, null)))
                .hasMessageContaining("allow-list");
        assertThatThrownBy(() -> http.send(GuardedHttpClient.Request.get(URI.create(origin + "/loop"), 100, null)))
                .hasMessageContaining("more than 3 redirects");
    }

    @Test
    void bodiesAreCappedAndSlowAnswersTimeOut() {
        GuardedHttpClient http = client(List.of("127.0.0.1"));
        assertThat(http.send(GuardedHttpClient.Request.get(URI.create(origin + "/big"), 5000, null)).body()).hasSize(5000);
        for (String path : List.of("/big", "/big-chunked")) {
            assertThatThrownBy(() -> http.send(GuardedHttpClient.Request.get(URI.create(origin + path), 4999, null)))
                    .isInstanceOfSatisfying(OutboundRequestException.class,
                            e -> assertThat(e.kind()).as(path).isEqualTo(OutboundRequestException.Kind.TOO_LARGE));
        }
        assertThatThrownBy(() -> http.send(GuardedHttpClient.Request.get(URI.create(origin + "/slow"), 100, null)))
                .isInstanceOfSatisfying(OutboundRequestException.class,
                        e -> assertThat(e.kind()).isEqualTo(OutboundRequestException.Kind.TIMEOUT));
    }

    @Test
    void messagesNeverCarryQueriesOrCredentials() {
        GuardedHttpClient http = client(List.of("ls.invalid"));
        assertThatThrownBy(() -> http.send(GuardedHttpClient.Request.get(URI.create("http://evil.test/a.png?X-Amz-Signature=abc"), 100,
                new GuardedHttpClient.Credentials(URI.create("http://evil.test"), () -> "Token secret-key"))))
                .hasMessageNotContaining("abc").hasMessageNotContaining("secret-key").hasMessageContaining("evil.test");
    }
}
