package com.fmawsss.bench;

import com.fmawsss.FmaWsssApplication;
import com.fmawsss.bundle.ModelBundle;
import com.fmawsss.image.ImageDecoder;
import com.fmawsss.image.ImageLimits;
import com.fmawsss.image.RgbImage;
import com.fmawsss.sam.AmgSettings;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.node.ObjectNode;

/**
 * The benchmark's Java side (run by {@code ./dev bench}; not a test). Starts the service on a
 * loopback port with a bundle, times the stages in-process and {@code /v1/seeds} over HTTP, joins
 * the PyTorch eager pipeline's JSON and writes {@code bench/results/<date>-<name>.json}.
 *
 * <pre>
 * BenchMain --bundle DIR [--workload bench/workload.json] [--pytorch eager.json] [--out bench/results]
 *           [--name NAME] [--stages a,b] [--repeats N] [--no-http] [--scaling] [--ablations]
 *           [--dtype auto|fp32|bf16]
 * </pre>
 */
public final class BenchMain {

    private BenchMain() {}

    /**
     * Runs the benchmark.
     *
     * @param args command line (see the class comment)
     * @throws Exception on any failure (the benchmark then exits non-zero)
     */
    public static void main(String[] args) throws Exception {
        Map<String, String> options = parse(args);
        Path bundleDir = Path.of(required(options, "bundle"));
        Workload workload = Workload.read(Path.of(options.getOrDefault("workload", "bench/workload.json")), Path.of(""));
        if (options.containsKey("repeats")) {
            int n = Integer.parseInt(options.get("repeats"));
            workload = new Workload(workload.image(), workload.classSets(), workload.seedClasses(), workload.alpha(),
                    workload.amg(), workload.warmup(), n, n, workload.sizes(), workload.clients());
        }
        List<String> stages = options.containsKey("stages") ? List.of(options.get("stages").split(",")) : List.of();
        String dtype = options.getOrDefault("dtype", "auto");
        String name = options.getOrDefault("name", bundleDir.getFileName().toString());
        Path stateDir = Files.createTempDirectory("fma-bench-state");
        RssProbe rss = new RssProbe();

        System.out.println("== starting the service with " + bundleDir);
        try (ConfigurableApplicationContext context = start(bundleDir, stateDir, workload, dtype)) {
            int port = Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
            awaitReady(port);
            ModelBundle bundle = context.getBean(ModelBundle.class);
            String compute = bundle.precision().setting();
            // Results of a bf16 run sit next to the fp32 ones instead of replacing them.
            if (compute.equals("bf16")) {
                name = name + "-bf16";
            }
            System.out.println("== compute precision " + compute + " (fma.dtype=" + dtype + ")");
            AmgSettings amg = context.getBean(AmgSettings.class);
            byte[] imageBytes = Files.readAllBytes(workload.image());
            RgbImage image = new ImageDecoder().decode(imageBytes, ImageLimits.defaults()).image();
            System.out.printf("== image %s (%dx%d), amg %s%n", workload.image(), image.width(), image.height(), amg.key());

            StageBenchmark stageBench = new StageBenchmark(bundle, workload, amg);
            Map<String, Samples> stageSamples = stageBench.run(image, stages);
            Samples endToEnd = null;
            HttpBenchmark http = new HttpBenchmark(port, workload);
            if (!options.containsKey("no-http")) {
                System.out.println("== end to end, POST /v1/seeds");
                endToEnd = http.seeds(imageBytes, workload.seedClassList(), workload.warmup(), workload.endToEndRepeats());
                System.out.printf("  java end_to_end       median %10.1f ms  p90 %10.1f ms%n", endToEnd.median(), endToEnd.p90());
            }

            BenchReport report = new BenchReport(options.containsKey("pytorch") ? Path.of(options.get("pytorch")) : null);
            ObjectNode root = report.root();
            root.put("name", name);
            root.put("date", LocalDate.now(ZoneOffset.UTC).toString());
            root.set("machine", MachineInfo.describe(report.root()));
            root.put("bundle", bundleDir.toString());
            root.put("javaCompute", compute);
            root.put("bundleSources", bundle.manifest().clip().source() + " + " + bundle.manifest().sam().source());
            root.put("image", workload.image().toString());
            root.put("imageSize", image.width() + "x" + image.height());
            root.put("amg", amg.key());
            root.put("seedClasses", String.join(",", workload.seedClassList()));
            root.put("superpixelCache", "disabled (every request runs SAM)");
            report.compare(stageSamples, endToEnd);
            root.putPOJO("javaCounts", stageBench.counts());
            if (options.containsKey("ablations")) {
                System.out.println("== ablations (before/after of the Java-side optimisations)");
                root.putPOJO("ablations", new Ablations(bundle, workload).run(image));
            }
            if (options.containsKey("scaling")) {
                System.out.println("== scaling");
                ObjectNode scaling = root.putObject("scaling");
                scaling.putPOJO("msByLongSide", http.bySize(image));
                scaling.putPOJO("msByClassCount", http.byClasses(imageBytes));
                scaling.putPOJO("concurrency", http.byClients(imageBytes, 1, rss));
            }
            root.put("javaPeakRssMb", Math.round(rss.peakBytes() / 1048576.0));
            report.attachPytorchInfo();
            report.print();
            Path out = Path.of(options.getOrDefault("out", "bench/results"))
                    .resolve(root.get("date").asString() + "-" + name + ".json");
            report.write(out);
            System.out.println("== wrote " + out);
        }
        System.exit(0);
    }

    private static ConfigurableApplicationContext start(Path bundleDir, Path stateDir, Workload workload, String dtype) {
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("fma.dtype", dtype);
        properties.put("fma.bundle.dir", bundleDir.toAbsolutePath().toString());
        properties.put("fma.state.dir", stateDir.toString());
        properties.put("server.port", "0");
        properties.put("server.address", "127.0.0.1");
        properties.put("fma.sam.profile", "official");
        properties.put("fma.sam.cache-bytes", "0");
        properties.put("fma.sam.disk-cache", "false");
        properties.put("fma.scheduler.request-timeout", "3600s");
        properties.put("spring.mvc.async.request-timeout", "3700s");
        properties.put("logging.level.root", "WARN");
        workload.amg().forEach((field, value) -> properties.put("fma.sam.override." + field, value));
        return new SpringApplicationBuilder(FmaWsssApplication.class).properties(properties).run();
    }

    /** Waits until readiness is UP (at most 30 minutes: a real-size warm-up and calibration take minutes on a CPU). */
    static void awaitReady(int port) throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/health/readiness"))
                .timeout(Duration.ofSeconds(10)).build();
        long deadline = System.nanoTime() + Duration.ofMinutes(30).toNanos();
        while (System.nanoTime() < deadline) {
            if (client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                return;
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("service not ready after 30 minutes");
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> options = new LinkedHashMap<>();
        List<String> rest = new ArrayList<>(List.of(args));
        for (int i = 0; i < rest.size(); i++) {
            String arg = rest.get(i);
            if (!arg.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument " + arg);
            }
            String key = arg.substring(2);
            boolean flag = i + 1 >= rest.size() || rest.get(i + 1).startsWith("--");
            options.put(key, flag ? "true" : rest.get(++i));
        }
        return options;
    }

    private static String required(Map<String, String> options, String key) {
        String value = options.get(key);
        if (value == null) {
            throw new IllegalArgumentException("--" + key + " is required");
        }
        return value;
    }
}
