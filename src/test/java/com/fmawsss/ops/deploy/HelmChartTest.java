package com.fmawsss.ops.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fmawsss.ops.scheduler.SchedulerMetrics;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The Helm chart linted and rendered in-process (helm-java's bundled helm library, no CLI) with
 * the default values, the GPU values and the scale-out values of helm/fma-wsss/ci, asserting on
 * the parsed objects.
 */
class HelmChartTest {

    static final Path CHART = Path.of("helm", "fma-wsss").toAbsolutePath();
    static final String RELEASE = "fma";

    /** One rendered manifest set. */
    private record Rendered(List<Map<String, Object>> objects) {

        List<String> kinds() {
            return objects.stream().map(o -> (String) o.get("kind")).toList();
        }

        Map<String, Object> only(String kind) {
            List<Map<String, Object>> matches = objects.stream().filter(o -> kind.equals(o.get("kind"))).toList();
            assertThat(matches).as(kind).hasSize(1);
            return matches.get(0);
        }

        Map<String, Object> container() {
            List<Map<String, Object>> containers = list(at(only("Deployment"), "spec", "template", "spec", "containers"));
            assertThat(containers).hasSize(1);
            return containers.get(0);
        }
    }

    private static Rendered render(String valuesFile) {
        TemplateCommand template = new Helm(CHART).template().withName(RELEASE).withNamespace("segmentation");
        if (valuesFile != null) {
            template = template.withValuesFile(CHART.resolve("ci").resolve(valuesFile));
        }
        List<Map<String, Object>> objects = new ArrayList<>();
        for (Object doc : new Yaml().loadAll(template.call())) {
            if (doc != null) {
                objects.add(map(doc));
            }
        }
        return new Rendered(objects);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) {
        return (Map<String, Object>) Objects.requireNonNull(o);
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> list(Object o) {
        return (List<Map<String, Object>>) Objects.requireNonNull(o);
    }

    /** Follows a path of map keys; null when a key is missing. */
    static Object at(Map<String, Object> root, String... keys) {
        Object current = root;
        for (String key : keys) {
            if (!(current instanceof Map<?, ?> m)) {
                return null;
            }
            current = m.get(key);
        }
        return current;
    }

    @Test
    void chartLintsClean() {
        LintResult result = new Helm(CHART).lint().strict().call();

        assertThat(result.isFailed()).as(String.join("\n", result.getMessages())).isFalse();
        assertThat(result.getMessages()).noneMatch(m -> m.contains("[ERROR]") || m.contains("[WARNING]"));
    }

    @Test
    void defaultValuesRenderTheServiceWithProbesAndNoScaleOutObjects() {
        Rendered r = render(null);

        assertThat(r.kinds()).containsExactlyInAnyOrder("Deployment", "Service", "PersistentVolumeClaim");
        Map<String, Object> c = r.container();
        assertThat(at(c, "startupProbe", "httpGet", "path")).isEqualTo("/actuator/health/liveness");
        assertThat(at(c, "livenessProbe", "httpGet", "path")).isEqualTo("/actuator/health/liveness");
        assertThat(at(c, "readinessProbe", "httpGet", "path")).isEqualTo("/actuator/health/readiness");
        assertThat(at(c, "readinessProbe", "httpGet", "port")).isEqualTo("http");
        assertThat(list(c.get("ports")).get(0)).containsEntry("name", "http").containsEntry("containerPort", 8080);
        assertThat(map(at(c, "resources", "limits"))).doesNotContainKey("nvidia.com/gpu");
        Map<String, Object> deployment = r.only("Deployment");
        assertThat(at(deployment, "spec", "replicas")).isEqualTo(1);
        assertThat(at(deployment, "spec", "template", "spec", "nodeSelector")).isNull();
        assertThat(at(deployment, "spec", "template", "spec", "tolerations")).isNull();
        assertThat(map(at(deployment, "spec", "template", "metadata", "annotations")))
                .containsEntry("prometheus.io/scrape", "true")
                .containsEntry("prometheus.io/path", "/actuator/prometheus")
                .containsEntry("prometheus.io/port", "8080");
        assertThat(at(r.only("PersistentVolumeClaim"), "spec", "accessModes")).isEqualTo(List.of("ReadWriteMany"));
    }

    @Test
    void gpuValuesAddTheGpuLimitNodeSelectorAndTolerations() {
        Rendered r = render("gpu-values.yaml");

        Map<String, Object> c = r.container();
        assertThat(map(at(c, "resources", "limits"))).containsEntry("nvidia.com/gpu", "1").containsEntry("memory", "8Gi");
        assertThat(list(c.get("env"))).contains(Map.of("name", "FMA_DEVICE", "value", "cuda:0"));
        Map<String, Object> pod = map(at(r.only("Deployment"), "spec", "template", "spec"));
        assertThat(map(pod.get("nodeSelector"))).containsEntry("nvidia.com/gpu.present", "true");
        assertThat(list(pod.get("tolerations"))).singleElement()
                .satisfies(t -> assertThat(t).containsEntry("key", "nvidia.com/gpu").containsEntry("effect", "NoSchedule"));
        assertThat(r.kinds()).doesNotContain("HorizontalPodAutoscaler", "ServiceMonitor", "PodDisruptionBudget");
    }

    @Test
    void hpaValuesScaleOnQueueDepthWithCpuFallback() {
        Rendered r = render("hpa-values.yaml");

        assertThat(r.kinds()).contains("Deployment", "Service", "HorizontalPodAutoscaler", "ServiceMonitor", "PodDisruptionBudget");
        Map<String, Object> deployment = r.only("Deployment");
        String name = (String) at(deployment, "metadata", "name");
        // The HPA owns the replica count.
        assertThat(map(deployment.get("spec"))).doesNotContainKey("replicas");

        Map<String, Object> hpa = r.only("HorizontalPodAutoscaler");
        assertThat(hpa.get("apiVersion")).isEqualTo("autoscaling/v2");
        assertThat(at(hpa, "spec", "scaleTargetRef", "kind")).isEqualTo("Deployment");
        assertThat(at(hpa, "spec", "scaleTargetRef", "name")).isEqualTo(name);
        assertThat(at(hpa, "spec", "minReplicas")).isEqualTo(2);
        assertThat(at(hpa, "spec", "maxReplicas")).isEqualTo(6);
        List<Map<String, Object>> metrics = list(at(hpa, "spec", "metrics"));
        assertThat(metrics).extracting(m -> m.get("type")).containsExactly("Pods", "Resource");
        Map<String, Object> pods = metrics.get(0);
        // The Prometheus name of the scheduler's queue-depth gauge.
        assertThat(at(pods, "pods", "metric", "name"))
                .isEqualTo("fma_inference_queue_depth")
                .isEqualTo(SchedulerMetrics.QUEUE_DEPTH.replace('.', '_'));
        assertThat(at(pods, "pods", "metric", "selector", "matchLabels")).isEqualTo(Map.of("priority", "interactive"));
        assertThat(at(pods, "pods", "target")).isEqualTo(Map.of("type", "AverageValue", "averageValue", "4"));
        Map<String, Object> cpu = metrics.get(1);
        assertThat(at(cpu, "resource", "name")).isEqualTo("cpu");
        assertThat(at(cpu, "resource", "target")).isEqualTo(Map.of("type", "Utilization", "averageUtilization", 80));

        Map<String, Object> serviceMonitor = r.only("ServiceMonitor");
        assertThat(serviceMonitor.get("apiVersion")).isEqualTo("monitoring.coreos.com/v1");
        assertThat(map(at(serviceMonitor, "metadata", "labels"))).containsEntry("release", "kube-prometheus-stack");
        Map<String, Object> endpoint = list(at(serviceMonitor, "spec", "endpoints")).get(0);
        assertThat(endpoint).containsEntry("path", "/actuator/prometheus").containsEntry("port", "http");
        Map<String, Object> service = r.only("Service");
        assertThat(list(at(service, "spec", "ports")).get(0)).containsEntry("name", "http");
        // The ServiceMonitor selects the chart's Service by its labels.
        assertThat(map(at(service, "metadata", "labels")))
                .containsAllEntriesOf(map(at(serviceMonitor, "spec", "selector", "matchLabels")));

        Map<String, Object> pdb = r.only("PodDisruptionBudget");
        assertThat(pdb.get("apiVersion")).isEqualTo("policy/v1");
        assertThat(at(pdb, "spec", "minAvailable")).isEqualTo(1);
        assertThat(at(pdb, "spec", "selector", "matchLabels")).isEqualTo(at(deployment, "spec", "selector", "matchLabels"));
        assertThat(map(at(r.container(), "resources", "limits"))).doesNotContainKey("nvidia.com/gpu");
    }
}
