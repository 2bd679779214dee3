package com.fmawsss.bench;

import com.fmawsss.FmaWsssApplication;
import com.fmawsss.api.Multipart;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Clicks over HTTP on a real-size bundle ({@code ./dev bench --clicks}): the first click on an
 * image (one SAM encoder pass; with a class proposal also a CLIP pass), later clicks on the same
 * image named by its hash (the decoder alone), and later clicks while a long mask generation runs
 * on the same device. Beside them, in the same run, what a click costs with the Label Studio SAM
 * example: segment-anything's predictor, {@code set_image} and {@code predict} on every click
 * ({@code models/bench/click_upstream.py}), fp32 and under {@code torch.autocast} bf16.
 *
 * <p>Arguments: {@code --bundle DIR --sam vit-b|vit-h --out FILE [--clicks 30] [--segment-anything DIR]}.
 */
public final class ClickBench {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private ClickBench() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        int clicks = Integer.parseInt(options.getOrDefault("clicks", "30"));
        Path coffee = Path.of("src/test/resources/photos/coffee.jpg");
        Path chelsea = Path.of("src/test/resources/photos/chelsea.jpg");
        byte[] image = Files.readAllBytes(coffee);
        byte[] other = Files.readAllBytes(chelsea);
        byte[] jobImage = Files.readAllBytes(Path.of("src/main/resources/static/samples/coffee.jpg"));
        Path out = Path.of(options.get("out"));

        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("fma.bundle.dir", Path.of(options.get("bundle")).toAbsolutePath().toString());
        properties.put("fma.state.dir", Files.createTempDirectory("fma-click-state").toString());
        properties.put("server.port", "0");
        properties.put("server.address", "127.0.0.1");
        properties.put("fma.sam.profile", "fast");
        properties.put("fma.sam.disk-cache", "false");
        properties.put("fma.scheduler.request-timeout", "3600s");
        properties.put("logging.level.root", "WARN");
        System.setProperty(FmaWsssApplication.DJL_OFFLINE_PROPERTY, "true");

        ObjectNode result = JSON.createObjectNode();
        result.put("date", LocalDate.now(ZoneOffset.UTC).toString());
        result.put("bundle", options.get("bundle"));
        result.put("sam", options.getOrDefault("sam", "vit-b"));
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(FmaWsssApplication.class)
                .properties(properties).run()) {
            int port = Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
            BenchMain.awaitReady(port);
            result.set("machine", MachineInfo.describe(result));

            Timed first = click(port, image, null, point(0), "propose", "false");
            String sha = first.answer().path("image").path("sha256").asString();
            Timed firstWithProposal = click(port, other, null, point(1));
            result.set("firstClick", first.json());
            result.set("firstClickWithProposal", firstWithProposal.json());

            click(port, null, sha, point(2)); // the CAMs of the vocabulary for later proposals
            List<Timed> later = new ArrayList<>();
            long start = System.nanoTime();
            for (int i = 0; i < clicks; i++) {
                later.add(click(port, null, sha, point(3 + i)));
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            result.set("laterClicks", summary(later));
            result.put("laterClicksPerSecond", round(clicks / seconds));

            // A long mask generation on the device meanwhile (official profile, asynchronous).
            HttpResponse<byte[]> job = new Multipart().timeout(Duration.ofHours(1))
                    .file("image", "job.jpg", "image/jpeg", jobImage).field("labels", "cat,dog,person")
                    .field("amg", "official").post(port, "/v1/seeds", null, "Prefer", "respond-async");
            String location = job.headers().firstValue("Location").orElseThrow(
                    () -> new IllegalStateException("no async job: " + new String(job.body(), StandardCharsets.UTF_8)));
            Thread.sleep(5_000); // let it reach SAM
            List<Timed> during = new ArrayList<>();
            for (int i = 0; i < clicks; i++) {
                during.add(click(port, null, sha, point(100 + i)));
            }
            Timed firstDuring = click(port, Files.readAllBytes(Path.of("src/test/resources/photos/chelsea.jpg")), null,
                    point(7), "propose", "false", "grid", "4");
            JsonNode status = JSON.readTree(Multipart.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + location + "/status")).GET().build()).body());
            result.set("laterClicksDuringJob", summary(during));
            result.set("firstClickDuringJob", firstDuring.json());
            result.put("jobStateDuringClicks", status.path("state").asString());
            Multipart.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + location)).DELETE().build());
        }
        result.set("upstream", upstream(options, coffee, "none"));
        result.set("upstreamAutocastBf16", upstream(options, coffee, "bf16"));
        Files.writeString(out, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(result));
        print(result);
        System.exit(0);
    }

    private record Timed(double seconds, JsonNode answer) {

        ObjectNode json() {
            ObjectNode node = JSON.createObjectNode();
            node.put("seconds", round(seconds));
            node.set("timings", answer.path("timings"));
            node.set("cached", answer.path("cached"));
            return node;
        }
    }

    /** A click on {@code image}, or on the image of {@code sha}: end-to-end seconds over HTTP and the answer. */
    private static Timed click(int port, byte[] image, String sha, double[] point, String... fields) throws Exception {
        Multipart m = new Multipart().timeout(Duration.ofHours(1));
        if (image != null) {
            m.file("image", "click.jpg", "image/jpeg", image);
        } else {
            m.field("imageSha256", sha);
        }
        m.field("points", String.format(Locale.ROOT, "[[%.1f, %.1f, 1]]", point[0], point[1]));
        for (int i = 0; i < fields.length; i += 2) {
            m.field(fields[i], fields[i + 1]);
        }
        long start = System.nanoTime();
        HttpResponse<byte[]> response = m.post(port, "/v1/segments", null);
        double seconds = (System.nanoTime() - start) / 1e9;
        if (response.statusCode() != 200) {
            throw new IllegalStateException("POST /v1/segments answered " + response.statusCode() + ": "
                    + new String(response.body(), StandardCharsets.UTF_8));
        }
        return new Timed(seconds, JSON.readTree(response.body()));
    }

    /** Click points spread over the middle of a 600 x 400 photo. */
    private static double[] point(int i) {
        return new double[] {150 + (i * 37) % 300, 100 + (i * 53) % 200};
    }

    private static ObjectNode summary(List<Timed> clicks) {
        List<Double> seconds = clicks.stream().map(Timed::seconds).sorted().toList();
        ObjectNode node = JSON.createObjectNode();
        node.put("clicks", seconds.size());
        node.put("medianSeconds", round(seconds.get(seconds.size() / 2)));
        node.put("p90Seconds", round(seconds.get((int) Math.ceil(0.9 * seconds.size()) - 1)));
        node.put("maxSeconds", round(seconds.get(seconds.size() - 1)));
        List<Long> sam = clicks.stream().map(t -> t.answer().path("timings").path("sam").asLong()).sorted().toList();
        node.put("medianSamMillis", sam.get(sam.size() / 2));
        return node;
    }

    private static JsonNode upstream(Map<String, String> options, Path image, String autocast) throws Exception {
        Path result = Files.createTempFile("click-upstream", ".json");
        List<String> command = new ArrayList<>(List.of("models/.venv/bin/python", "models/bench/click_upstream.py",
                "--sam", options.getOrDefault("sam", "vit-b"), "--image", image.toString(), "--clicks", "3",
                "--autocast", autocast, "--out", result.toString()));
        if (options.containsKey("segment-anything")) {
            command.addAll(List.of("--segment-anything", options.get("segment-anything")));
        }
        Process process = new ProcessBuilder(command).inheritIO().redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (process.waitFor() != 0) {
            throw new IllegalStateException("click_upstream.py failed");
        }
        return JSON.readTree(Files.readString(result));
    }

    private static void print(JsonNode r) {
        System.out.printf(Locale.ROOT, "%nclicks on %s (%s)%n", r.path("bundle").asString(), r.path("sam").asString());
        System.out.printf(Locale.ROOT, "  first click (encoder pass):                 %6.2f s  (sam %d ms)%n",
                r.path("firstClick").path("seconds").asDouble(), r.path("firstClick").path("timings").path("sam").asLong());
        System.out.printf(Locale.ROOT, "  first click with class proposal (+ CLIP):   %6.2f s  (cam %d ms)%n",
                r.path("firstClickWithProposal").path("seconds").asDouble(),
                r.path("firstClickWithProposal").path("timings").path("cam").asLong());
        System.out.printf(Locale.ROOT, "  later clicks, median / p90 / max:           %6.3f / %.3f / %.3f s  (%.1f clicks/s)%n",
                r.path("laterClicks").path("medianSeconds").asDouble(), r.path("laterClicks").path("p90Seconds").asDouble(),
                r.path("laterClicks").path("maxSeconds").asDouble(), r.path("laterClicksPerSecond").asDouble());
        System.out.printf(Locale.ROOT, "  later clicks during a job, median / max:    %6.3f / %.3f s%n",
                r.path("laterClicksDuringJob").path("medianSeconds").asDouble(),
                r.path("laterClicksDuringJob").path("maxSeconds").asDouble());
        System.out.printf(Locale.ROOT, "  first click during a job:                   %6.2f s%n",
                r.path("firstClickDuringJob").path("seconds").asDouble());
        System.out.printf(Locale.ROOT, "  Label Studio SAM example, per click, fp32:  %6.2f s  (%s)%n",
                r.path("upstream").path("medianSeconds").asDouble(), r.path("upstream").path("source").asString());
        System.out.printf(Locale.ROOT, "  the same under torch.autocast bf16:         %6.2f s%n",
                r.path("upstreamAutocastBf16").path("medianSeconds").asDouble());
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
