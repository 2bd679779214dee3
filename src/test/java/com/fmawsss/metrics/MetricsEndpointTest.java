package com.fmawsss.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fmawsss.cam.SyntheticImages;
import com.fmawsss.image.RgbImages;
import com.fmawsss.prompts.PromptRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The fma_* meters as Prometheus scrapes them: the service on a random port (demo bundle), one
 * {@code POST /v1/masks}, then the same image again (a superpixel cache hit).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class MetricsEndpointTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private static final String[] STAGES = {"clip_encode", "gradcam", "caa", "sam_encode", "sam_decode", "sams"};

    @LocalServerPort int port;

    @Autowired PromptRegistry prompts;

    @Test
    void masksRequestsMoveStageTimersCacheCountersAndHttpHistograms() throws Exception {
        byte[] png = png();
        Scrape before = scrape();

        assertThat(postMasks(png)).isEqualTo(200);
        Scrape first = scrape();

        for (String stage : STAGES) {
            assertThat(first.value("fma_stage_seconds_count", "stage=\"" + stage + "\""))
                    .as(stage).isGreaterThan(before.value("fma_stage_seconds_count", "stage=\"" + stage + "\""));
            assertThat(first.text).contains("fma_stage_seconds_bucket{stage=\"" + stage + "\",le=");
        }
        assertThat(first.value("fma_superpixel_cache_misses_total", "")).isEqualTo(before.value("fma_superpixel_cache_misses_total", "") + 1);
        assertThat(first.value("fma_superpixel_cache_hits_total", "")).isEqualTo(before.value("fma_superpixel_cache_hits_total", ""));
        assertThat(first.value("fma_sam_encoder_runs_total", "")).isGreaterThan(before.value("fma_sam_encoder_runs_total", ""));
        assertThat(first.value("fma_superpixel_cache_bytes", "")).isPositive();
        assertThat(first.value("fma_device_memory_bytes", "device=\"cpu\"")).isGreaterThan(1 << 20);
        assertThat(first.value("fma_info", "prompt_version=\"" + prompts.active().id() + "\"")).isEqualTo(1.0);
        assertThat(first.text).containsPattern("fma_info\\{bundle_clip=\"[^\"]+\",bundle_sam=\"[^\"]+\",device=\"cpu\",prompt_version=");
        assertThat(first.text).contains("fma_inference_queue_depth{");
        // Spring Boot's request timer, as a histogram (management.metrics.distribution.percentiles-histogram).
        assertThat(first.text).containsPattern("http_server_requests_seconds_bucket\\{[^}]*uri=\"/v1/masks\"");

        assertThat(postMasks(png)).isEqualTo(200);
        Scrape second = scrape();

        assertThat(second.value("fma_superpixel_cache_hits_total", "")).isEqualTo(first.value("fma_superpixel_cache_hits_total", "") + 1);
        assertThat(second.value("fma_superpixel_cache_misses_total", "")).isEqualTo(first.value("fma_superpixel_cache_misses_total", ""));
        assertThat(second.value("fma_sam_encoder_runs_total", "")).isEqualTo(first.value("fma_sam_encoder_runs_total", ""));
        assertThat(second.value("fma_stage_seconds_count", "stage=\"sam_encode\""))
                .isEqualTo(first.value("fma_stage_seconds_count", "stage=\"sam_encode\""));
        assertThat(second.value("fma_stage_seconds_count", "stage=\"clip_encode\""))
                .isEqualTo(first.value("fma_stage_seconds_count", "stage=\"clip_encode\"") + 1);
        assertThat(second.value("fma_stage_seconds_count", "stage=\"sams\""))
                .isEqualTo(first.value("fma_stage_seconds_count", "stage=\"sams\"") + 1);
    }

    /** One scrape of /actuator/prometheus. */
    private record Scrape(String text) {

        /**
         * Sums the samples of a metric whose labels contain a fragment (so the 0 of a not yet
         * observed metric and the value of a single series read the same way).
         */
        double value(String name, String labelFragment) {
            Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(\\{[^}]*\\})? (\\S+)$").matcher(text);
            double sum = 0;
            boolean found = false;
            while (m.find()) {
                if (m.group(1) == null ? labelFragment.isEmpty() : m.group(1).contains(labelFragment)) {
                    sum += Double.parseDouble(m.group(2));
                    found = true;
                }
            }
            assertThat(found).as("%s{%s} in the scrape", name, labelFragment).isTrue();
            return sum;
        }
    }

    private Scrape scrape() throws Exception {
        HttpResponse<String> response = HTTP.send(
                HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/actuator/prometheus"))
                        .timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return new Scrape(response.body());
    }

    private int postMasks(byte[] png) throws Exception {
        String boundary = "----fma-metrics-" + System.nanoTime();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"x.png\"\r\n"
                + "Content-Type: image/png\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(png);
        body.writeBytes(("\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"classes\"\r\n\r\ncat,dog\r\n--"
                + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> response = HTTP.send(
                HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/v1/masks"))
                        .timeout(Duration.ofMinutes(3))
                        .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                        .header("Accept", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return response.statusCode();
    }

    private static byte[] png() {
        return SyntheticImages.discsPng(72, 56, 11);
    }
}
