package com.fmawsss.ops.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * docker-compose.yml and the Prometheus configuration it mounts agree: Prometheus scrapes the
 * compose service by its service name, on the port the container listens on, at the actuator's
 * Prometheus endpoint.
 */
class ComposePrometheusTest {

    static Map<String, Object> compose;
    static Map<String, Object> prometheus;

    @BeforeAll
    static void parse() throws IOException {
        compose = load(Path.of("docker-compose.yml"));
        prometheus = load(Path.of("deploy", "prometheus", "prometheus.yml"));
    }

    static Map<String, Object> load(Path file) throws IOException {
        return map(new Yaml().load(Files.readString(file)));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) {
        return (Map<String, Object>) Objects.requireNonNull(o);
    }

    @SuppressWarnings("unchecked")
    static <T> List<T> list(Object o) {
        return (List<T>) Objects.requireNonNull(o);
    }

    static Map<String, Object> scrapeJob(String name) {
        return list(prometheus.get("scrape_configs")).stream().map(ComposePrometheusTest::map)
                .filter(j -> name.equals(j.get("job_name"))).findFirst().orElseThrow();
    }

    /** Container ports of a compose service ("host:container" or "container" short syntax). */
    static List<Integer> containerPorts(Map<String, Object> service) {
        Pattern port = Pattern.compile("(?:.*:)?(\\d+)(?:/tcp)?");
        return list(service.get("ports")).stream().map(p -> {
            Matcher m = port.matcher(String.valueOf(p));
            assertThat(m.matches()).as("port %s", p).isTrue();
            return Integer.parseInt(m.group(1));
        }).toList();
    }

    @Test
    void prometheusScrapesTheServiceByComposeNameAndContainerPort() {
        Map<String, Object> services = map(compose.get("services"));
        Map<String, Object> job = scrapeJob("fma-wsss");

        assertThat(job.get("metrics_path")).isEqualTo("/actuator/prometheus");
        List<String> targets = list(map(list(job.get("static_configs")).get(0)).get("targets"));
        assertThat(targets).hasSize(1);
        String[] hostPort = targets.get(0).split(":");
        assertThat(services).containsKey(hostPort[0]);
        Map<String, Object> service = map(services.get(hostPort[0]));
        assertThat(containerPorts(service)).contains(Integer.parseInt(hostPort[1]));
        assertThat(hostPort).containsExactly("fma-wsss", "8080");
    }

    @Test
    void theScrapedPortIsTheOneTheImageExposes() throws IOException {
        String dockerfile = Files.readString(Path.of("Dockerfile"));
        Matcher expose = Pattern.compile("(?m)^EXPOSE\\s+(\\d+)").matcher(dockerfile);

        assertThat(expose.find()).isTrue();
        String target = (String) list(map(list(scrapeJob("fma-wsss").get("static_configs")).get(0)).get("targets")).get(0);
        assertThat(target).endsWith(":" + expose.group(1));
    }

    @Test
    void prometheusServiceMountsThisConfigurationAndStartsAfterTheService() {
        Map<String, Object> service = map(map(compose.get("services")).get("prometheus"));

        assertThat(list(service.get("volumes")))
                .contains("./deploy/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro");
        assertThat(list(service.get("command"))).contains("--config.file=/etc/prometheus/prometheus.yml");
        assertThat(list(service.get("depends_on"))).contains("fma-wsss");
        assertThat(Files.isRegularFile(Path.of("deploy", "prometheus", "prometheus.yml"))).isTrue();
    }
}
