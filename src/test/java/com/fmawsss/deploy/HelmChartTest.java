package com.fmawsss.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fmawsss.batch.BatchMain;
import com.fmawsss.batch.ExitCodes;
import com.fmawsss.batch.SeedBatchOptions;
import com.fmawsss.scheduler.SchedulerMetrics;
import com.fmawsss.bulkseeding.SeedOutputs;
import com.fmawsss.security.OutboundPolicy;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The Helm chart linted and rendered in-process (helm-java's bundled helm library, no CLI) with
 * the default values, the GPU values, the scale-out values and the seed-run values of
 * helm/fma-wsss/ci, asserting on the parsed objects.
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
        return render(valuesFile, Map.of());
    }

    private static Rendered render(String valuesFile, Map<String, Object> sets) {
        TemplateCommand template = new Helm(CHART).template().withName(RELEASE).withNamespace("segmentation");
        if (valuesFile != null) {
            template = template.withValuesFile(CHART.resolve("ci").resolve(valuesFile));
        }
        for (Map.Entry<String, Object> set : sets.entrySet()) {
            template = template.set(set.getKey(), set.getValue());
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
    void labelStudioSettingsReachTheContainerWithTheKeyFromASecret() {
        Map<String, Object> c = render(null, Map.of("labelStudio.url", "http://ls.annotation.svc:8080",
                "labelStudio.apiKeySecret", "ls-token")).container();

        List<Map<String, Object>> env = list(c.get("env"));
        assertThat(env).contains(Map.of("name", "LABEL_STUDIO_URL", "value", "http://ls.annotation.svc:8080"));
        Map<String, Object> key = env.stream().filter(e -> "LABEL_STUDIO_API_KEY".equals(e.get("name"))).findFirst().orElseThrow();
        assertThat(at(key, "valueFrom", "secretKeyRef", "name")).isEqualTo("ls-token");
        assertThat(at(key, "valueFrom", "secretKeyRef", "key")).isEqualTo("api-key");
        assertThat(list(render(null).container().get("env"))).noneMatch(e -> String.valueOf(e.get("name")).startsWith("LABEL_STUDIO"));
    }

    @Test
    void aLabelStudioInTheClusterIsReachedWithNothingButItsUrl() {
        Map<String, Object> c = render(null, Map.of("labelStudio.url", "http://label-studio.annotation.svc:8080",
                "labelStudio.allowedHosts[0]", "*.s3.amazonaws.com")).container();
        Map<String, String> env = new HashMap<>();
        for (Map<String, Object> e : list(c.get("env"))) {
            if (e.get("value") != null) {
                env.put((String) e.get("name"), String.valueOf(e.get("value")));
            }
        }
        assertThat(env).containsEntry("FMA_LABEL_STUDIO_ALLOWED_HOSTS", "*.s3.amazonaws.com")
                .doesNotContainKeys("FMA_LABEL_STUDIO_ALLOW_PRIVATE_ADDRESSES", "FMA_LABEL_STUDIO_ALLOW_LOOPBACK");
        OutboundPolicy policy = ContainerSettings.labelStudioPolicy(env, Map.of("label-studio.annotation.svc", "10.96.12.7",
                "bucket.s3.amazonaws.com", "52.216.1.2", "other.annotation.svc", "10.96.12.8"));
        assertThat(policy.check(URI.create("http://label-studio.annotation.svc:8080/api/tasks/?project=1")).allowed()).isTrue();
        assertThat(policy.check(URI.create("https://bucket.s3.amazonaws.com/a.png")).allowed()).isTrue();
        assertThat(policy.check(URI.create("http://other.annotation.svc/a.png")).allowed()).isFalse();
        assertThat(policy.check(URI.create("http://169.254.169.254/latest/meta-data/")).allowed()).isFalse();
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

    @Test
    void seedJobValuesRenderAnIndexedJobWhoseFailurePolicyMatchesTheBatchExitCodes() {
        Rendered r = render("seed-job-values.yaml");

        Map<String, Object> job = r.only("Job");
        assertThat(job.get("apiVersion")).isEqualTo("batch/v1");
        assertThat(at(job, "metadata", "name")).isEqualTo("fma-fma-wsss-seed-voc-trainaug-1");
        Map<String, Object> spec = map(job.get("spec"));
        assertThat(spec).containsEntry("completionMode", "Indexed").containsEntry("completions", 8)
                .containsEntry("parallelism", 8).containsEntry("backoffLimitPerIndex", 2)
                .containsEntry("maxFailedIndexes", 2).containsEntry("podReplacementPolicy", "Failed")
                .containsEntry("ttlSecondsAfterFinished", 604800).doesNotContainKey("backoffLimit");
        List<Map<String, Object>> rules = list(at(spec, "podFailurePolicy", "rules"));
        assertThat(rules).hasSize(2);
        assertThat(rules.get(0)).containsEntry("action", "FailIndex");
        assertThat(map(rules.get(0).get("onExitCodes"))).containsEntry("containerName", "seed").containsEntry("operator", "In")
                .containsEntry("values", List.of(ExitCodes.USAGE, ExitCodes.CONFIGURATION));
        assertThat(rules.get(1)).containsEntry("action", "Ignore")
                .containsEntry("onPodConditions", List.of(Map.of("type", "DisruptionTarget")));

        Map<String, Object> pod = map(at(spec, "template", "spec"));
        // podFailurePolicy and backoffLimitPerIndex require it.
        assertThat(pod).containsEntry("restartPolicy", "Never");
        Map<String, Object> c = list(pod.get("containers")).get(0);
        assertThat(c.get("name")).isEqualTo("seed");
        assertThat(c.get("image")).isEqualTo(r.container().get("image"));
        assertThat(map(at(c, "resources", "limits"))).containsEntry("nvidia.com/gpu", "1").containsEntry("memory", "8Gi");
        assertThat(list(c.get("env"))).contains(Map.of("name", "FMA_DEVICE", "value", "cuda:0"),
                Map.of("name", "FMA_BUNDLE_DIR", "value", "/opt/fma/bundle"), Map.of("name", "FMA_STATE_DIR", "value", "/var/lib/fma"));
        Map<String, Object> deploymentPod = map(at(r.only("Deployment"), "spec", "template", "spec"));
        assertThat(pod.get("nodeSelector")).isEqualTo(deploymentPod.get("nodeSelector"));
        assertThat(pod.get("tolerations")).isEqualTo(deploymentPod.get("tolerations"));

        // The rendered command line is one the jar accepts, and pod 7 seeds shard 7 of 8.
        @SuppressWarnings("unchecked")
        List<String> args = (List<String>) c.get("args");
        assertThat(args.get(0)).isEqualTo(BatchMain.SEED_BATCH);
        SeedBatchOptions options = SeedBatchOptions.parse(args.subList(1, args.size()),
                Map.of("JOB_COMPLETION_INDEX", "7", "FMA_BUNDLE_DIR", "/opt/fma/bundle", "FMA_STATE_DIR", "/var/lib/fma"));
        assertThat(options.shards()).isEqualTo(8);
        assertThat(options.index()).isEqualTo(7);
        assertThat(options.dataset().root()).isEqualTo(Path.of("/datasets/VOCdevkit/VOC2012"));
        assertThat(options.dataset().split()).isEqualTo("train_aug");
        assertThat(options.out()).isEqualTo(Path.of("/data/seeds/voc-train_aug-1"));
        assertThat(options.promptVersion()).contains("seg-voc-2026-01");
        assertThat(options.extras()).containsExactly(SeedOutputs.Extra.RLE);

        Map<String, String> mounts = new java.util.HashMap<>();
        for (Map<String, Object> m : list(c.get("volumeMounts"))) {
            mounts.put((String) m.get("name"), m.get("mountPath") + (Boolean.TRUE.equals(m.get("readOnly")) ? " ro" : " rw"));
        }
        assertThat(mounts).containsEntry("dataset", "/datasets ro").containsEntry("data", "/data rw")
                .containsEntry("bundle", "/opt/fma/bundle ro").containsEntry("state", "/var/lib/fma ro");
        Map<String, String> claims = new java.util.HashMap<>();
        for (Map<String, Object> v : list(pod.get("volumes"))) {
            Object claim = at(v, "persistentVolumeClaim", "claimName");
            if (claim != null) {
                claims.put((String) v.get("name"), (String) claim);
            }
        }
        assertThat(claims).containsEntry("dataset", "voc-datasets").containsEntry("data", "fma-data")
                .containsEntry("bundle", "fma-bundles").containsEntry("state", "fma-fma-wsss-state");

        // Seed pods serve no HTTP: neither the Service nor the Deployment may select them.
        Map<String, Object> podLabels = map(at(spec, "template", "metadata", "labels"));
        Map<String, Object> serviceSelector = map(at(r.only("Service"), "spec", "selector"));
        assertThat(podLabels.entrySet()).as("seed pod labels %s", podLabels).isNotEmpty()
                .doesNotContainAnyElementsOf(Map.of("app.kubernetes.io/name", serviceSelector.get("app.kubernetes.io/name")).entrySet());
        assertThat(podLabels.entrySet().containsAll(serviceSelector.entrySet())).isFalse();
        assertThat(podLabels).containsEntry("fma-wsss/seed-run", "voc-trainaug-1");
    }

    @Test
    void everySeedRunGetsItsOwnJobName() {
        String pinned = (String) at(render("seed-job-values.yaml", Map.of("seedJob.runId", "voc-trainaug-2")).only("Job"),
                "metadata", "name");
        assertThat(pinned).isEqualTo("fma-fma-wsss-seed-voc-trainaug-2");
        // Without a run id the name follows the run's settings: another output folder, another Job.
        String derivedA = (String) at(render("seed-job-values.yaml", Map.of("seedJob.runId", "")).only("Job"), "metadata", "name");
        String derivedB = (String) at(render("seed-job-values.yaml", Map.of("seedJob.runId", "", "seedJob.output.path", "seeds/other"))
                .only("Job"), "metadata", "name");
        assertThat(derivedA).startsWith("fma-fma-wsss-seed-").isNotEqualTo(derivedB).hasSizeLessThanOrEqualTo(52);
        assertThat(derivedB).matches("fma-fma-wsss-seed-[0-9a-f]{10}");
    }

    @Test
    void aSeedJobWithoutRealBundleOrPersistentOutputIsRefusedAtRenderTime() {
        assertThatThrownBy(() -> render(null, Map.of("seedJob.enabled", true)))
                .hasMessageContaining("persistence.bundle.enabled");
        assertThatThrownBy(() -> render(null, Map.of("seedJob.enabled", true, "persistence.bundle.enabled", true)))
                .hasMessageContaining("persistence.data.enabled");
        assertThatThrownBy(() -> render("seed-job-values.yaml", Map.of("seedJob.runId", "Bad_Id")))
                .hasMessageContaining("seedJob.runId");
    }
}
