package com.fmawsss.api.cvat;

import static org.assertj.core.api.Assertions.assertThat;

import com.fmawsss.api.Multipart;
import com.fmawsss.cam.SyntheticImages;
import com.fmawsss.image.ImageLimits;
import com.fmawsss.image.LabelMap;
import com.fmawsss.image.LabelMapPng;
import com.fmawsss.image.RgbImages;
import com.fmawsss.masks.CocoRleCodec;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.awt.image.BufferedImage;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * CVAT's detector body in, CVAT's detector result out: the masks (crop + inclusive box), decoded
 * here independently, paint exactly the {@code /v1/seeds} label map of the same image.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class CvatApiTest {

    static final JsonMapper JSON = JsonMapper.builder().build();
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @LocalServerPort int port;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) throws Exception {
        String dir = Files.createTempDirectory("fma-cvat-state-").toString();
        registry.add("fma.state.dir", () -> dir);
        registry.add("fma.cvat.max-body-bytes", () -> "300000");
    }

    static byte[] png(long seed) {
        return SyntheticImages.discsPng(72, 56, seed);
    }

    HttpResponse<String> detect(String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/cvat/detect")).timeout(Duration.ofMinutes(3))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void masksDecodeToExactlyTheSeedLabelMap() throws Exception {
        // Images on which the random-weight demo bundle finds both classes and background (if the demo
        // bundle changes, the positivity checks below say so instead of comparing empty maps).
        for (long seed : new long[] {22, 11}) {
            byte[] image = png(seed);
            String body = JSON.createObjectNode().put("image", Base64.getEncoder().encodeToString(image)).put("threshold", 0.5)
                    .set("classes", JSON.createArrayNode().add("cat").add("dog")).toString();
            HttpResponse<String> response = detect(body);
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            JsonNode detections = JSON.readTree(response.body());
            HttpResponse<byte[]> seeds = new Multipart().file("image", "x.png", "image/png", image).field("labels", "cat,dog")
                    .post(port, "/v1/seeds", "image/png");
            assertThat(seeds.statusCode()).isEqualTo(200);
            LabelMap expected = LabelMapPng.decode(seeds.body(), ImageLimits.defaults());
            List<String> classes = List.of("cat", "dog");
            int[] painted = new int[72 * 56];
            for (JsonNode d : detections) {
                assertThat(d.path("type").asString()).isEqualTo("mask");
                assertThat(Double.parseDouble(d.path("confidence").asString())).isBetween(0.0, 1.0);
                assertThat(d.path("points").size() % 2).isZero();
                assertThat(d.path("points").size()).isGreaterThanOrEqualTo(8);
                int label = classes.indexOf(d.path("label").asString()) + 1;
                assertThat(label).isPositive();
                JsonNode mask = d.path("mask");
                int n = mask.size();
                int xtl = mask.get(n - 4).asInt();
                int ytl = mask.get(n - 3).asInt();
                int xbr = mask.get(n - 2).asInt();
                int ybr = mask.get(n - 1).asInt();
                int w = xbr - xtl + 1;
                assertThat(n - 4).isEqualTo(w * (ybr - ytl + 1));
                for (int i = 0; i < n - 4; i++) {
                    int v = mask.get(i).asInt();
                    assertThat(v).isIn(0, 255);
                    if (v == 255) {
                        int p = (ytl + i / w) * 72 + xtl + i % w;
                        assertThat(painted[p]).as("masks overlap").isZero();
                        painted[p] = label;
                    }
                }
            }
            assertThat(detections.size()).isPositive();
            assertThat(expected.labels()).contains(0, 1);
            assertThat(painted).as("seed %d", seed).isEqualTo(expected.labels());
        }
    }

    static String body(byte[] image) {
        return JSON.createObjectNode().put("image", Base64.getEncoder().encodeToString(image))
                .set("classes", JSON.createArrayNode().add("cat").add("dog")).toString();
    }

    @Test
    void everyFrameFormatCvatServesIsDetected() throws Exception {
        // CVAT sends each frame's original file (TIFF re-encoded with LZW): all answer as the PNG does.
        BufferedImage frame = ImageIO.read(new java.io.ByteArrayInputStream(png(22)));
        HttpResponse<String> reference = detect(body(png(22)));
        assertThat(reference.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(reference.body()).size()).isPositive();
        for (String format : List.of("bmp", "tiff")) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            if (format.equals("tiff")) {
                ImageWriter writer = ImageIO.getImageWritersByFormatName("tiff").next();
                try (ImageOutputStream stream = ImageIO.createImageOutputStream(out)) {
                    writer.setOutput(stream);
                    ImageWriteParam param = writer.getDefaultWriteParam();
                    param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
                    param.setCompressionType("LZW");
                    writer.write(null, new IIOImage(frame, null, null), param);
                }
            } else {
                ImageIO.write(frame, format, out);
            }
            HttpResponse<String> response = detect(body(out.toByteArray()));
            assertThat(response.statusCode()).as(format).isEqualTo(200);
            assertThat(response.headers().firstValue("Fma-Detection-Skipped")).as(format).isEmpty();
            assertThat(JSON.readTree(response.body())).as(format).isEqualTo(JSON.readTree(reference.body()));
        }
        ByteArrayOutputStream gif = new ByteArrayOutputStream();
        ImageIO.write(frame, "gif", gif);
        HttpResponse<String> response = detect(body(gif.toByteArray()));
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Fma-Detection-Skipped")).isEmpty();
        assertThat(JSON.readTree(response.body()).isArray()).isTrue();
    }

    @Test
    void badBodiesAreProblems() throws Exception {
        String image = Base64.getEncoder().encodeToString(png(3));
        assertThat(detect("{}").statusCode()).isEqualTo(400);
        assertThat(detect("not json").statusCode()).isEqualTo(400);
        assertThat(detect("[1, 2]").statusCode()).isEqualTo(400);
        assertThat(detect("{\"image\": \"%%%\"}").statusCode()).isEqualTo(400);
        // A frame that is not an image is CVAT's frame all the same: no detections, and why.
        HttpResponse<String> notImage = detect("{\"image\": \"" + Base64.getEncoder().encodeToString("hello".getBytes()) + "\"}");
        assertThat(notImage.statusCode()).isEqualTo(200);
        assertThat(notImage.body()).isEqualTo("[]");
        assertThat(notImage.headers().firstValue("Fma-Detection-Skipped").orElse("")).contains("not a PNG, JPEG or WebP");
        assertThat(detect("{\"image\": \"" + image + "\", \"threshold\": \"high\"}").statusCode()).isEqualTo(400);
        HttpResponse<String> emptyClass = detect("{\"image\": \"" + image + "\", \"classes\": [\"cat\", \"\"]}");
        assertThat(emptyClass.statusCode()).isEqualTo(422);
        assertThat(emptyClass.body()).contains("urn:fma-wsss:problem:invalid-classes");
        assertThat(detect("{\"image\": \"" + image + "\", \"classes\": [1]}").statusCode()).isEqualTo(400);
        HttpResponse<String> tooLarge = detect("{\"image\": \"" + "A".repeat(400_000) + "\"}");
        assertThat(tooLarge.statusCode()).isEqualTo(413);
    }

    HttpResponse<String> interact(String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/cvat/interact")).timeout(Duration.ofMinutes(3))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** /v1/segments' answer for the same prompt: the mask and whether the embedding was kept. */
    JsonNode segments(byte[] image, String points, String box) throws Exception {
        Multipart m = new Multipart().file("image", "f.png", "image/png", image).field("propose", "false");
        if (points != null) {
            m.field("points", points);
        }
        if (box != null) {
            m.field("box", box);
        }
        HttpResponse<byte[]> response = m.post(port, "/v1/segments", "application/json");
        assertThat(response.statusCode()).as(new String(response.body())).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    /** cvat-ui tools-control.tsx: the rows laid into the frame from the top-left corner of the inclusive bounds. */
    static boolean[] asCvatUiPaintsIt(JsonNode answer, int width, int height) {
        JsonNode bounds = answer.path("bounds");
        int left = bounds.get(0).asInt();
        int top = bounds.get(1).asInt();
        JsonNode rows = answer.path("mask");
        assertThat(rows.size()).isEqualTo(bounds.get(3).asInt() - top + 1);
        boolean[] frame = new boolean[width * height];
        for (int r = 0; r < rows.size(); r++) {
            JsonNode row = rows.get(r);
            assertThat(row.size()).isEqualTo(bounds.get(2).asInt() - left + 1);
            for (int c = 0; c < row.size(); c++) {
                assertThat(row.get(c).asInt()).isIn(0, 255);
                frame[(top + r) * width + left + c] = row.get(c).asInt() > 0;
            }
        }
        return frame;
    }

    static boolean[] mask(JsonNode segments) {
        return CocoRleCodec.decompress(segments.path("mask").path("counts").asString(), 56, 72).decodeRowMajor();
    }

    @Test
    void theInteractorAnswersSamsMaskForClicksAndABoxAsCvatsUiReadsIt() throws Exception {
        byte[] frame = png(41);
        String image = Base64.getEncoder().encodeToString(frame);
        // CVAT's body: floats as the canvas gives them, obj_bbox [] without a box.
        HttpResponse<String> clicks = interact("{\"image\": \"" + image + "\", \"pos_points\": [[20.5, 30.5]],"
                + " \"neg_points\": [[60.5, 10.5]], \"obj_bbox\": []}");
        assertThat(clicks.statusCode()).as(clicks.body()).isEqualTo(200);
        JsonNode expected = segments(frame, "[[20.5, 30.5, 1], [60.5, 10.5, 0]]", null);
        // The interactor's call encoded the frame; /v1/segments found its embedding kept.
        assertThat(expected.path("cached").path("embedding").asBoolean()).isTrue();
        assertThat(asCvatUiPaintsIt(JSON.readTree(clicks.body()), 72, 56)).isEqualTo(mask(expected));

        HttpResponse<String> box = interact("{\"image\": \"" + image + "\", \"pos_points\": [], \"neg_points\": [],"
                + " \"obj_bbox\": [[10, 8], [50.5, 40]]}");
        assertThat(box.statusCode()).as(box.body()).isEqualTo(200);
        assertThat(asCvatUiPaintsIt(JSON.readTree(box.body()), 72, 56)).isEqualTo(mask(segments(frame, null, "[10, 8, 50.5, 40]")));
    }

    @Test
    void interactorCallsSamCannotAnswerAreProblems() throws Exception {
        String image = Base64.getEncoder().encodeToString(png(41));
        HttpResponse<String> nothing = interact("{\"image\": \"" + image + "\", \"pos_points\": [], \"neg_points\": [], \"obj_bbox\": []}");
        assertThat(nothing.statusCode()).isEqualTo(422);
        assertThat(nothing.body()).contains("urn:fma-wsss:problem:invalid-prompt").contains("needs a positive or negative point");
        HttpResponse<String> off = interact("{\"image\": \"" + image + "\", \"pos_points\": [[500, 5]], \"neg_points\": []}");
        assertThat(off.statusCode()).isEqualTo(422);
        assertThat(off.body()).contains("outside the 72x56 frame");
        assertThat(interact("{\"pos_points\": [[5, 5]]}").statusCode()).isEqualTo(400);
        assertThat(interact("{\"image\": \"%%%\", \"pos_points\": [[5, 5]]}").statusCode()).isEqualTo(400);
        HttpResponse<String> notImage = interact("{\"image\": \"" + Base64.getEncoder().encodeToString("hello".getBytes())
                + "\", \"pos_points\": [[5, 5]]}");
        assertThat(notImage.statusCode()).isIn(400, 415);
        assertThat(notImage.body()).contains("urn:fma-wsss:problem:");
    }
}
