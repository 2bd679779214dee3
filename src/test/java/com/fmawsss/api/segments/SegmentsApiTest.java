package com.fmawsss.api.segments;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fmawsss.api.Multipart;
import com.fmawsss.api.ProblemAssertions;
import com.fmawsss.cam.SyntheticImages;
import com.fmawsss.image.DecodedImage;
import com.fmawsss.image.ImageDecoder;
import com.fmawsss.image.ImageLimits;
import com.fmawsss.image.RgbImage;
import com.fmawsss.image.RgbImages;
import com.fmawsss.image.TestImages;
import com.fmawsss.io.Sha256;
import com.fmawsss.masks.CocoRleCodec;
import com.fmawsss.sam.PromptReference;
import com.fmawsss.sam.SamPrompt;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /v1/segments} through the real HTTP stack: the answer equals SAM's predictor on the
 * same weights (EXIF-rotated upload, clicks in the upright frame), the image is named by hash on
 * later clicks, PNG and JSON agree, the class proposal scores the given classes, a level snaps to
 * a quasi-superpixel, and every bad prompt is a problem.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class SegmentsApiTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final byte[] PNG = SyntheticImages.discsPng(120, 80, 61);

    @LocalServerPort int port;

    private HttpResponse<byte[]> segments(byte[] image, String accept, String... fields) throws Exception {
        Multipart m = new Multipart();
        if (image != null) {
            m.file("image", "photo.jpg", "image/jpeg", image);
        }
        for (int i = 0; i < fields.length; i += 2) {
            m.field(fields[i], fields[i + 1]);
        }
        return m.post(port, "/v1/segments", accept);
    }

    private static JsonNode json(HttpResponse<byte[]> response) {
        assertThat(response.statusCode()).as(new String(response.body(), StandardCharsets.UTF_8)).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private static boolean[] mask(JsonNode rle, int height, int width) {
        return CocoRleCodec.decompress(rle.path("counts").asString(), height, width).decodeRowMajor();
    }

    @Test
    void anExifRotatedUploadIsAnsweredInItsUprightFrameAsSamPredictorAnswers(@TempDir Path dir) throws Exception {
        // Stored 80 wide and 120 high, shown (EXIF orientation 6: rotate 90° clockwise) 120 wide and 80 high.
        RgbImage stored = SyntheticImages.discs(80, 120, 62);
        byte[] jpeg = TestImages.insertAfterSoi(TestImages.jpeg(RgbImages.toBufferedImage(stored)),
                TestImages.exifSegment(6, true));
        DecodedImage upright = new ImageDecoder().decode(jpeg, ImageLimits.defaults());
        assertThat(upright.image().width()).isEqualTo(120);
        SamPrompt prompt = new SamPrompt(List.of(new SamPrompt.Point(90.5, 20, true), new SamPrompt.Point(10, 70, false)),
                new SamPrompt.Box(60, 5, 119, 60));
        PromptReference.writeCase(dir, "exif", upright.image(), prompt);
        PromptReference.run(dir);
        JsonNode reference = PromptReference.answer(dir, "exif");

        JsonNode answer = json(segments(jpeg, null, "points", "[[90.5, 20, 1], [10, 70, 0]]", "box", "[60, 5, 119, 60]",
                "candidates", "true", "propose", "false"));
        assertThat(answer.path("image").path("width").asInt()).isEqualTo(120);
        assertThat(answer.path("image").path("sha256").asString()).isEqualTo(Sha256.hex(jpeg));
        assertThat(answer.path("source").asString()).isEqualTo("sam");
        int output = answer.path("samOutput").asInt();
        assertThat(output).as("two clicks and a box: SAM's single-mask output").isZero();
        assertThat(PromptReference.decisiveDifferences(reference, output,
                mask(answer.path("mask"), 80, 120), 80, 120)).isZero();
        assertThat(answer.path("predictedIou").floatValue())
                .isCloseTo((float) reference.path("iou").get(output).asDouble(), within(1e-4f));
        assertThat(answer.path("candidates")).hasSize(3);
        for (JsonNode candidate : answer.path("candidates")) {
            int k = candidate.path("samOutput").asInt();
            assertThat(PromptReference.decisiveDifferences(reference, k, mask(candidate.path("mask"), 80, 120),
                    80, 120)).as("candidate %d", k).isZero();
        }
        assertThat(answer.has("proposal")).isFalse();
    }

    @Test
    void laterClicksNameTheImageByHashAndReuseItsEmbeddingAndCams() throws Exception {
        // An image no other test sends: its first click finds nothing kept.
        JsonNode first = json(segments(SyntheticImages.discsPng(120, 80, 64), null, "points", "[[30, 20, 1]]",
                "classes", "cat,dog,red kite"));
        assertThat(first.path("cached").path("embedding").asBoolean()).isFalse();
        assertThat(first.path("cached").path("cams").asBoolean()).isFalse();
        JsonNode proposal = first.path("proposal");
        assertThat(proposal.path("scores")).hasSize(3);
        assertThat(proposal.path("promptSet").asString()).isNotBlank();
        float top = proposal.path("scores").get(0).path("score").floatValue();
        for (JsonNode score : proposal.path("scores")) {
            assertThat(score.path("score").floatValue()).isBetween(0f, top);
        }
        // The proposal is the best class unless background scores higher: (1 - best)^alpha.
        float background = proposal.path("background").floatValue();
        if (top > background) {
            assertThat(proposal.path("class").asString()).isEqualTo(proposal.path("scores").get(0).path("class").asString());
            assertThat(proposal.path("score").floatValue()).isEqualTo(top);
        } else {
            assertThat(proposal.has("class")).isFalse();
        }

        String sha = first.path("image").path("sha256").asString();
        JsonNode second = json(segments(null, null, "imageSha256", sha, "points", "[[30, 20, 1]]",
                "classes", "cat,dog,red kite"));
        assertThat(second.path("cached").path("embedding").asBoolean()).isTrue();
        assertThat(second.path("cached").path("cams").asBoolean()).isTrue();
        assertThat(second.path("mask")).isEqualTo(first.path("mask"));
        assertThat(second.path("proposal")).isEqualTo(first.path("proposal"));

        // Prometheus sees the kept embeddings.
        String metrics = new String(Multipart.send(HttpRequest.newBuilder(
                URI.create("http://localhost:" + port + "/actuator/prometheus")).GET().build()).body(), StandardCharsets.UTF_8);
        assertThat(counter(metrics, "fma_sam_embedding_cache_hits_total")).isGreaterThanOrEqualTo(1);
        assertThat(counter(metrics, "fma_sam_embedding_cache_bytes")).isPositive();

        // The PNG is the same mask, 255 inside.
        HttpResponse<byte[]> png = segments(null, "image/png", "imageSha256", sha, "points", "[[30, 20, 1]]",
                "propose", "false");
        assertThat(png.statusCode()).isEqualTo(200);
        assertThat(png.headers().firstValue("X-Image-Sha256")).hasValue(sha);
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png.body()));
        boolean[] expected = mask(first.path("mask"), 80, 120);
        for (int y = 0; y < 80; y++) {
            for (int x = 0; x < 120; x++) {
                assertThat((image.getRaster().getSample(x, y, 0) == 255)).as("(%d, %d)", x, y).isEqualTo(expected[y * 120 + x]);
            }
        }
    }

    @Test
    void aLevelSnapsToTheQuasiSuperpixelUnderTheClick() throws Exception {
        byte[] image = SyntheticImages.discsPng(96, 72, 63);
        // The image's quasi-superpixels as /v1/seeds reports them (same default profile, then cached).
        JsonNode seeds = json(new Multipart().file("image", "x.png", "image/png", image).field("labels", "cat")
                .field("include", "superpixels").post(port, "/v1/seeds", null));
        int checked = 0;
        for (int[] click : new int[][] {{48, 36}, {5, 5}, {90, 66}, {20, 60}}) {
            JsonNode expected = null;
            for (JsonNode sp : seeds.path("superpixels")) {
                if (sp.path("level").asInt() == 2 && mask(sp.path("rle"), 72, 96)[click[1] * 96 + click[0]]
                        && (expected == null || sp.path("predictedIou").floatValue() > expected.path("predictedIou").floatValue())) {
                    expected = sp;
                }
            }
            JsonNode answer = json(segments(image, null, "points", "[[" + click[0] + ", " + click[1] + ", 1]]",
                    "level", "whole", "propose", "false"));
            assertThat(answer.path("level").asString()).isEqualTo("whole");
            if (expected != null) {
                assertThat(answer.path("source").asString()).isEqualTo("superpixel");
                assertThat(answer.path("mask")).isEqualTo(expected.path("rle"));
                assertThat(answer.has("samOutput")).isFalse();
                checked++;
            } else {
                assertThat(answer.path("source").asString()).isEqualTo("sam");
                assertThat(answer.path("samOutput").asInt()).as("no whole superpixel there: SAM's whole output").isEqualTo(3);
            }
        }
        assertThat(checked).as("some click lands on a whole quasi-superpixel").isPositive();
    }

    @Test
    void aClickSentAsynchronouslyIsPolledForItsAnswerInBothFormats() throws Exception {
        byte[] image = SyntheticImages.discsPng(88, 66, 65);
        Multipart m = new Multipart().file("image", "x.png", "image/png", image).field("points", "[[40, 30, 1]]")
                .field("propose", "false");
        HttpResponse<byte[]> accepted = m.post(port, "/v1/segments", null, "Prefer", "respond-async");
        assertThat(accepted.statusCode()).as(new String(accepted.body(), StandardCharsets.UTF_8)).isEqualTo(202);
        String location = accepted.headers().firstValue("Location").orElseThrow();
        JsonNode status = JSON.readTree(accepted.body());
        assertThat(status.path("endpoint").asString()).isEqualTo("/v1/segments");
        HttpResponse<byte[]> done = null;
        for (int i = 0; i < 300; i++) {
            done = Multipart.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + location)).GET().build());
            if (done.statusCode() != 202) {
                break;
            }
            Thread.sleep(100);
        }
        JsonNode answer = json(done);
        assertThat(answer.path("image").path("sha256").asString()).isEqualTo(Sha256.hex(image));
        HttpResponse<byte[]> png = Multipart.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + location))
                .header("Accept", "image/png").GET().build());
        assertThat(png.statusCode()).isEqualTo(200);
        BufferedImage mask = ImageIO.read(new ByteArrayInputStream(png.body()));
        boolean[] expected = mask(answer.path("mask"), 66, 88);
        for (int p = 0; p < expected.length; p++) {
            assertThat(mask.getRaster().getSample(p % 88, p / 88, 0) == 255).isEqualTo(expected[p]);
        }
        // The synchronous answer to the same click is the same mask.
        JsonNode sync = json(segments(image, null, "points", "[[40, 30, 1]]", "propose", "false"));
        assertThat(sync.path("mask")).isEqualTo(answer.path("mask"));
    }

    @Test
    void badPromptsAreProblems() throws Exception {
        String sha = json(segments(PNG, null, "points", "[[1, 1, 1]]", "propose", "false")).path("image").path("sha256")
                .asString();
        expect(segments(null, null, "imageSha256", sha, "propose", "false"), 422, "invalid-prompt");
        expect(segments(null, null, "imageSha256", sha, "points", "[[120, 10, 1]]"), 422, "invalid-prompt");
        expect(segments(null, null, "imageSha256", sha, "points", "[[-0.5, 10, 1]]"), 422, "invalid-prompt");
        expect(segments(null, null, "imageSha256", sha, "points", "[[10, 10, 2]]"), 422, "invalid-prompt");
        expect(segments(null, null, "imageSha256", sha, "points", "[[10, 10]]"), 422, "invalid-prompt");
        expect(segments(null, null, "imageSha256", sha, "points", "{\"x\": 1}"), 422, "invalid-prompt");
        expect(segments(null, null, "imageSha256", sha, "points", "[[1, 1, 1"), 422, "invalid-prompt");
        StringBuilder many = new StringBuilder("[");
        for (int i = 0; i < 65; i++) {
            many.append(i == 0 ? "" : ",").append("[1, 1, 1]");
        }
        expect(segments(null, null, "imageSha256", sha, "points", many + "]"), 422, "invalid-prompt");
        expect(segments(null, null, "imageSha256", sha, "box", "[50, 10, 40, 30]"), 422, "invalid-prompt");
        expect(segments(null, null, "imageSha256", sha, "box", "[10, 10, 130, 30]"), 422, "invalid-prompt");
        expect(segments(null, null, "imageSha256", "0".repeat(64), "points", "[[1, 1, 1]]"), 404, "unknown-image");
        expect(segments(null, null, "imageSha256", "not-a-hash", "points", "[[1, 1, 1]]"), 400, "invalid-request");
        expect(segments(PNG, null, "imageSha256", "1".repeat(64), "points", "[[1, 1, 1]]"), 400, "invalid-request");
        expect(segments(null, null, "points", "[[1, 1, 1]]"), 400, "invalid-request");
        expect(segments(null, null, "imageSha256", sha, "points", "[[1, 1, 1]]", "level", "object"), 400, "invalid-request");
        expect(segments(null, null, "imageSha256", sha, "points", "[[1, 1, 1]]", "classes", "cat,cat"), 422, "invalid-classes");
    }

    private static double counter(String prometheus, String name) {
        return prometheus.lines().filter(l -> l.startsWith(name + " ") || l.startsWith(name + "{"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    private static void expect(HttpResponse<byte[]> response, int status, String type) {
        assertThat(response.statusCode()).as(new String(response.body(), StandardCharsets.UTF_8)).isEqualTo(status);
        ProblemAssertions.assertProblem(response, type);
    }
}
