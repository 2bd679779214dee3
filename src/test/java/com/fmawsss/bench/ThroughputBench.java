package com.fmawsss.bench;

import com.fmawsss.FmaWsssApplication;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Images per hour of {@code POST /v1/seeds} at 1, 2 and 4 concurrent clients under one scheduling
 * policy ({@code ./dev bench --throughput} runs it once per policy, each in its own JVM because
 * libtorch's thread pools are fixed once the first model runs). A policy is the scheduler's worker
 * count and libtorch's intra-op threads: one worker with every core per operator, or one worker per
 * core with one thread each, so that the CLIP stage of one image runs beside the SAM stage of
 * another. Superpixel cache off: every request runs SAM.
 *
 * <p>Arguments: {@code --bundle DIR --workers N --threads N --out FILE [--image FILE] [--labels a,b]
 * [--amg fast] [--per-client 2]}. Rows are appended to {@code --out} (a JSON array).
 */
public final class ThroughputBench {

    private ThroughputBench() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        int workers = Integer.parseInt(options.getOrDefault("workers", "1"));
        int threads = Integer.parseInt(options.getOrDefault("threads", "0"));
        int perClient = Integer.parseInt(options.getOrDefault("per-client", "2"));
        String amg = options.getOrDefault("amg", "fast");
        List<String> labels = List.of(options.getOrDefault("labels", "cat,dog,person").split(","));
        byte[] image = Files.readAllBytes(Path.of(options.getOrDefault("image", "src/test/resources/photos/coffee.jpg")));
        Path out = Path.of(options.get("out"));

        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("fma.bundle.dir", Path.of(options.get("bundle")).toAbsolutePath().toString());
        properties.put("fma.state.dir", Files.createTempDirectory("fma-throughput-state").toString());
        properties.put("server.port", "0");
        properties.put("server.address", "127.0.0.1");
        properties.put("fma.sam.profile", amg);
        properties.put("fma.sam.cache-bytes", "0");
        properties.put("fma.sam.disk-cache", "false");
        properties.put("fma.scheduler.concurrency", Integer.toString(workers));
        properties.put("fma.torch.intra-op-threads", Integer.toString(threads));
        properties.put("fma.scheduler.request-timeout", "3600s");
        properties.put("logging.level.root", "WARN");
        System.setProperty(FmaWsssApplication.DJL_OFFLINE_PROPERTY, "true");

        JsonMapper json = JsonMapper.builder().build();
        ArrayNode rows = Files.exists(out) ? (ArrayNode) json.readTree(Files.readString(out)) : json.createArrayNode();
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(FmaWsssApplication.class)
                .properties(properties).run()) {
            int port = Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
            BenchMain.awaitReady(port);
            HttpBenchmark.postSeeds(port, image, labels); // warm
            for (int clients : new int[] {1, 2, 4}) {
                double seconds = HttpBenchmark.closedLoopSeconds(clients, perClient,
                        () -> HttpBenchmark.postSeeds(port, image, labels));
                double perHour = clients * perClient * 3600 / seconds;
                ObjectNode row = rows.addObject();
                row.put("date", LocalDate.now(ZoneOffset.UTC).toString());
                row.put("bundle", options.get("bundle"));
                row.put("amg", amg);
                row.put("workers", workers);
                row.put("intraOpThreads", threads);
                row.put("clients", clients);
                row.put("images", clients * perClient);
                row.put("seconds", Math.round(seconds * 10) / 10.0);
                row.put("imagesPerHour", Math.round(perHour * 10) / 10.0);
                System.out.printf("  workers %d, intra-op threads %d, %d clients: %.1f images/h%n", workers, threads, clients,
                        perHour);
                Files.writeString(out, json.writerWithDefaultPrettyPrinter().writeValueAsString(rows));
            }
        }
        System.exit(0);
    }
}
