package com.fmawsss.bench;

import com.fmawsss.cam.SyntheticImages;
import com.fmawsss.api.Multipart;
import com.fmawsss.image.RgbImage;
import com.fmawsss.image.RgbImages;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.imageio.ImageIO;

/**
 * End-to-end {@code POST /v1/seeds} over loopback HTTP against the running service (superpixel
 * cache disabled, so every request runs the whole pipeline), plus the scaling runs: image size,
 * class count and concurrent clients.
 */
final class HttpBenchmark {

    private final int port;
    private final Workload workload;

    HttpBenchmark(int port, Workload workload) {
        this.port = port;
        this.workload = workload;
    }

    /**
     * Times end-to-end requests.
     *
     * @param image encoded image
     * @param labels image-level labels
     * @param warmup untimed requests first
     * @param repeats timed requests
     * @return client-side latencies
     */
    Samples seeds(byte[] image, List<String> labels, int warmup, int repeats) {
        return Samples.measure(warmup, repeats, () -> post(image, labels));
    }

    /**
     * Time per image against the image's long side (one timed request per size).
     *
     * @param image the workload image
     * @return milliseconds by long side
     */
    Map<Integer, Double> bySize(RgbImage image) throws IOException {
        Map<Integer, Double> out = new LinkedHashMap<>();
        for (int side : workload.sizes()) {
            byte[] png = png(resized(image, side));
            double ms = seeds(png, workload.seedClassList(), 0, 1).median();
            out.put(side, ms);
            System.out.printf("  size %5d px: %10.1f ms%n", side, ms);
        }
        return out;
    }

    /**
     * Time per image against the number of classes (one timed request per class set).
     *
     * @param image encoded image
     * @return milliseconds by class count
     */
    Map<String, Double> byClasses(byte[] image) {
        Map<String, Double> out = new LinkedHashMap<>();
        workload.classSets().forEach((name, classes) -> {
            double ms = seeds(image, classes, 0, 1).median();
            out.put(name, ms);
            System.out.printf("  %s classes: %10.1f ms%n", name, ms);
        });
        return out;
    }

    /**
     * Throughput and peak memory with several clients, each sending {@code perClient} requests.
     *
     * @param image encoded image
     * @param perClient requests per client
     * @param rss reads the service's resident set
     * @return one row per concurrency level
     */
    List<Map<String, Object>> byClients(byte[] image, int perClient, RssProbe rss) throws Exception {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int clients : workload.clients()) {
            rss.resetPeak();
            long idle = rss.currentBytes();
            double seconds = closedLoopSeconds(clients, perClient, () -> post(image, workload.seedClassList()));
            long peak = rss.peakBytes();
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("clients", clients);
            row.put("requests", clients * perClient);
            row.put("imagesPerSecond", clients * perClient / seconds);
            row.put("imagesPerHour", clients * perClient / seconds * 3600);
            row.put("peakRssMb", peak / 1048576.0);
            row.put("extraRssPerClientMb", Math.max(0, peak - idle) / 1048576.0 / clients);
            rows.add(row);
            System.out.printf("  %d clients: %.4f images/s (%.0f per hour), peak RSS %.0f MB%n", clients,
                    clients * perClient / seconds, clients * perClient / seconds * 3600, peak / 1048576.0);
        }
        return rows;
    }

    /**
     * Wall-clock seconds for {@code clients} closed-loop clients to make {@code perClient} requests
     * each (a client sends its next request when the previous one is answered).
     */
    static double closedLoopSeconds(int clients, int perClient, Runnable request) throws Exception {
        long start = System.nanoTime();
        try (ExecutorService pool = Executors.newFixedThreadPool(clients)) {
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                done.add(pool.submit(() -> {
                    for (int i = 0; i < perClient; i++) {
                        request.run();
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        }
        return (System.nanoTime() - start) / 1e9;
    }

    private void post(byte[] image, List<String> labels) {
        postSeeds(port, image, labels);
    }

    /** One {@code POST /v1/seeds} answered as a PNG; anything but 200 ends the benchmark. */
    static void postSeeds(int port, byte[] image, List<String> labels) {
        try {
            HttpResponse<byte[]> response = new Multipart()
                    .timeout(Duration.ofHours(1))
                    .file("image", "bench.png", "application/octet-stream", image)
                    .field("labels", String.join(",", labels))
                    .post(port, "/v1/seeds", "image/png");
            if (response.statusCode() != 200) {
                throw new IllegalStateException("POST /v1/seeds answered " + response.statusCode() + ": "
                        + new String(response.body(), java.nio.charset.StandardCharsets.UTF_8));
            }
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException("POST /v1/seeds failed", e);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] png(RgbImage image) {
        return SyntheticImages.png(image);
    }

    private static RgbImage resized(RgbImage image, int longSide) {
        double scale = (double) longSide / Math.max(image.width(), image.height());
        int w = Math.max(1, (int) Math.round(image.width() * scale));
        int h = Math.max(1, (int) Math.round(image.height() * scale));
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        var g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
        g.drawImage(RgbImages.toBufferedImage(image), 0, 0, w, h, null);
        g.dispose();
        return RgbImages.of(out);
    }
}
