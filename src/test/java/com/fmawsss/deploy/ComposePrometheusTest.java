package com.fmawsss.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * docker-compose.yml and the Prometheus configuration it mounts agree: Prometheus scrapes the
 * compose service by its service name, on the port the container listens on, at the actuator's
 * Prometheus endpoint. Grafana is provisioned with that Prometheus as its datasource and with the
 * FMA-WSSS dashboard, whose panels query meters the service exports (docs/metrics.md).
 */
class ComposePrometheusTest {

    static final Path GRAFANA = Path.of("deploy", "grafana");

    /** Meter names of docs/metrics.md (Prometheus base names; suffixes such as _bucket are added). */
    static final List<String> KNOWN_METRICS = List.of(
            "http_server_requests_seconds",
            "fma_stage_seconds",
            "fma_inference_queue_depth",
            "fma_inference_in_flight",
            "fma_inference_rejected_total",
            "fma_superpixel_cache_hits_total",
            "fma_superpixel_cache_misses_total",
            "fma_superpixel_cache_bytes",
            "fma_job_state",
            "fma_job_iteration",
            "fma_job_loss",
            "fma_job_images_per_second",
            "fma_device_memory_bytes",
            "fma_info");

    static Map<String, Object> compose;
    static Map<String, Object> prometheus;
    static Map<String, Object> grafanaDatasources;
    static Map<String, Object> grafanaDashboardProviders;
    static JsonNode dashboard;

    @BeforeAll
    static void parse() throws IOException {
        compose = load(Path.of("docker-compose.yml"));
        prometheus = load(Path.of("deploy", "prometheus", "prometheus.yml"));
        grafanaDatasources = load(GRAFANA.resolve("provisioning/datasources/prometheus.yml"));
        grafanaDashboardProviders = load(GRAFANA.resolve("provisioning/dashboards/fma-wsss.yml"));
        dashboard = JsonMapper.builder().build().readTree(GRAFANA.resolve("dashboards/fma-wsss.json").toFile());
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

    static Map<String, Object> grafanaService() {
        Map<String, Object> services = map(compose.get("services"));
        assertThat(services).containsKey("grafana");
        return map(services.get("grafana"));
    }

    /** Container path where the compose grafana service mounts the given host directory. */
    static String grafanaMountOf(String hostDir) {
        List<String> volumes = list(grafanaService().get("volumes"));
        return volumes.stream().map(String::valueOf)
                .map(v -> v.split(":"))
                .filter(v -> v.length >= 2 && Path.of(v[0]).normalize().equals(Path.of(hostDir).normalize()))
                .map(v -> v[1]).findFirst()
                .orElseThrow(() -> new AssertionError("grafana does not mount " + hostDir + ": " + volumes));
    }

    @Test
    void grafanaServiceIsPinnedAndMountsProvisioningAndDashboards() {
        Map<String, Object> grafana = grafanaService();

        assertThat(String.valueOf(grafana.get("image"))).matches("grafana/grafana-oss:\\d+\\.\\d+\\.\\d+");
        assertThat(list(grafana.get("depends_on"))).contains("prometheus");
        assertThat(grafanaMountOf("./deploy/grafana/provisioning")).isEqualTo("/etc/grafana/provisioning");
        String dashboardsDir = grafanaMountOf("./deploy/grafana/dashboards");
        assertThat(containerPorts(grafana)).contains(3000);

        // The file provider reads the directory the dashboards are mounted at.
        List<Map<String, Object>> providers = list(grafanaDashboardProviders.get("providers"));
        assertThat(providers).isNotEmpty();
        assertThat(providers).allSatisfy(p -> {
            assertThat(p.get("type")).isEqualTo("file");
            assertThat(map(p.get("options")).get("path")).isEqualTo(dashboardsDir);
        });
        assertThat(Files.isDirectory(GRAFANA.resolve("provisioning/datasources"))).isTrue();
        assertThat(Files.isDirectory(GRAFANA.resolve("provisioning/dashboards"))).isTrue();
    }

    @Test
    void grafanaDatasourceIsTheComposePrometheus() {
        List<Map<String, Object>> datasources = list(grafanaDatasources.get("datasources"));
        assertThat(datasources).hasSize(1);
        Map<String, Object> ds = map(datasources.get(0));
        URI url = URI.create(String.valueOf(ds.get("url")));
        Map<String, Object> services = map(compose.get("services"));

        assertThat(ds.get("type")).isEqualTo("prometheus");
        assertThat(ds.get("access")).isEqualTo("proxy");
        assertThat(url.getScheme()).isEqualTo("http");
        assertThat(services).containsKey(url.getHost());
        assertThat(url.getHost()).isEqualTo("prometheus");
        assertThat(containerPorts(map(services.get(url.getHost())))).contains(url.getPort());
        assertThat(url.getPort()).isEqualTo(9090);

        // Panels and template variables refer to this datasource by its uid.
        String uid = String.valueOf(ds.get("uid"));
        List<JsonNode> refs = new ArrayList<>(dashboard.findValues("datasource"));
        assertThat(refs).isNotEmpty();
        assertThat(refs).allSatisfy(ref -> {
            assertThat(ref.path("type").asString()).isEqualTo("prometheus");
            assertThat(ref.path("uid").asString()).isEqualTo(uid);
        });
    }

    @Test
    void dashboardHasUidTitleAndPanelsQueryingKnownMetrics() {
        assertThat(dashboard.path("uid").asString()).isNotBlank().matches("[A-Za-z0-9_-]{1,40}");
        assertThat(dashboard.path("title").asString()).isNotBlank();

        List<JsonNode> panels = new ArrayList<>();
        dashboard.path("panels").forEach(panels::add);
        List<JsonNode> dataPanels = panels.stream().filter(p -> !"row".equals(p.path("type").asString())).toList();
        assertThat(dataPanels).hasSizeGreaterThanOrEqualTo(7);

        Pattern metric = Pattern.compile("\\b(?:" + String.join("|", KNOWN_METRICS) + ")(?:_bucket|_count|_sum|_max)?\\b");
        List<String> exprs = new ArrayList<>();
        assertThat(dataPanels).allSatisfy(panel -> {
            assertThat(panel.path("title").asString()).isNotBlank();
            List<String> panelExprs = new ArrayList<>();
            panel.path("targets").forEach(t -> panelExprs.add(t.path("expr").asString()));
            exprs.addAll(panelExprs);
            assertThat(panelExprs).as("targets of panel '%s'", panel.path("title").asString())
                    .anySatisfy(e -> assertThat(metric.matcher(e).find()).as(e).isTrue());
        });
        // Rows only group panels.
        assertThat(panels.stream().filter(p -> "row".equals(p.path("type").asString())))
                .allSatisfy(r -> assertThat(r.path("targets").isMissingNode() || r.path("targets").isEmpty()).isTrue());

        // The requested views are all there.
        String all = String.join("\n", exprs);
        assertThat(all)
                .contains("histogram_quantile(0.5, sum by (uri, le) (rate(http_server_requests_seconds_bucket")
                .contains("histogram_quantile(0.95, sum by (uri, le) (rate(http_server_requests_seconds_bucket")
                .contains("histogram_quantile(0.99, sum by (uri, le) (rate(http_server_requests_seconds_bucket")
                .contains("sum by (uri, outcome) (rate(http_server_requests_seconds_count")
                .contains("fma_inference_queue_depth").contains("fma_inference_rejected_total")
                .contains("histogram_quantile(0.95, sum by (stage, le) (rate(fma_stage_seconds_bucket")
                .contains("fma_superpixel_cache_hits_total").contains("fma_superpixel_cache_misses_total")
                .contains("fma_superpixel_cache_bytes")
                .contains("fma_job_iteration").contains("fma_job_loss").contains("fma_job_images_per_second")
                .contains("fma_device_memory_bytes");
    }
}
