package com.fmawsss.api.labelstudio;

import static org.assertj.core.api.Assertions.assertThat;

import com.fmawsss.api.Multipart;
import com.fmawsss.cam.SyntheticImages;
import com.fmawsss.image.LabelMap;
import com.fmawsss.labeling.labelstudio.BrushRle;
import com.fmawsss.labeling.labelstudio.FakeLabelStudio;
import com.fmawsss.labeling.shapes.PolygonRasterizer;
import com.fmawsss.masks.CocoRleCodec;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Label Studio's smart tools against a fake Label Studio that sends what its interactive
 * pre-annotation sends: a keypoint or rectangle drawn with a {@code smart="true"} control becomes
 * SAM's mask for it, one region of the project's brush (or polygon) control with the smart tool's
 * label, exactly the mask {@code /v1/segments} answers for the same click; later clicks on the task
 * fetch nothing.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class LabelStudioSmartToolsTest {

    static final String KEY = "ls-legacy-token-smart";
    static final JsonMapper JSON = JsonMapper.builder().build();
    /** SAM's example label config (label-studio-ml-backend segment_anything_2_image/README.md), two labels. */
    static final String SMART_CONFIG = """
            <View>
              <Image name="image" value="$image" zoom="true"/>
              <BrushLabels name="tag" toName="image">
                <Label value="Cat"/><Label value="Dog"/>
              </BrushLabels>
              <KeyPointLabels name="tag2" toName="image" smart="true">
                <Label value="Cat"/><Label value="Dog"/>
              </KeyPointLabels>
              <RectangleLabels name="tag3" toName="image" smart="true">
                <Label value="Cat"/><Label value="Dog"/><Label value="Horse"/>
              </RectangleLabels>
            </View>
            """;
    static final int W = 120;
    static final int H = 80;
    static final byte[] IMAGE = SyntheticImages.discsPng(W, H, 61);
    static FakeLabelStudio ls;

    @LocalServerPort int port;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) throws Exception {
        ls = FakeLabelStudio.start(KEY);
        Path state = Files.createTempDirectory("fma-ls-smart-");
        registry.add("fma.state.dir", state::toString);
        registry.add("fma.label-studio.url", ls::url);
        registry.add("fma.label-studio.api-key", () -> KEY);
        ls.project(1, SMART_CONFIG);
        ls.project(2, SMART_CONFIG.replace("BrushLabels", "PolygonLabels"));
        ls.file("/data/upload/1/a.png", IMAGE);
        ls.task(1, 11, Map.of("image", "/data/upload/1/a.png"));
        ls.task(1, 12, Map.of("image", "/data/upload/1/a.png"));
        ls.task(2, 21, Map.of("image", "/data/upload/1/a.png"));
    }

    @AfterAll
    static void stopFake() {
        ls.close();
    }

    String backend() {
        return "http://localhost:" + port + "/label-studio";
    }

    /** The editor's serialisation of a smart keypoint (KeyPointRegion.jsx; Image.js adds the sizes). */
    static String keypoint(double xPercent, double yPercent, boolean positive, String label) {
        return """
                {"original_width": %d, "original_height": %d, "image_rotation": 0,
                 "value": {"x": %s, "y": %s, "width": 0.5, "keypointlabels": ["%s"], "labels": ["%s"]},
                 "is_positive": %s, "id": "kp%s", "from_name": "tag2", "to_name": "image",
                 "type": "keypointlabels", "origin": "manual"}
                """.formatted(W, H, xPercent, yPercent, label, label, positive, Math.round(xPercent * 1000));
    }

    JsonNode click(long task, String... regions) throws Exception {
        return ls.interactiveAnnotating(backend(), task, JSON.readTree("{\"result\": [" + String.join(",", regions) + "]}"));
    }

    /** /v1/segments' mask for the same prompt, the click path's reference. */
    boolean[] segments(String points, String box) throws Exception {
        Multipart m = new Multipart().file("image", "a.png", "image/png", IMAGE).field("propose", "false");
        if (points != null) {
            m.field("points", points);
        }
        if (box != null) {
            m.field("box", box);
        }
        HttpResponse<byte[]> response = m.post(port, "/v1/segments", "application/json");
        assertThat(response.statusCode()).as(new String(response.body(), StandardCharsets.UTF_8)).isEqualTo(200);
        JsonNode rle = JSON.readTree(response.body()).path("mask");
        return CocoRleCodec.decompress(rle.path("counts").asString(), H, W).decodeRowMajor();
    }

    static int area(boolean[] mask) {
        int n = 0;
        for (boolean b : mask) {
            n += b ? 1 : 0;
        }
        return n;
    }

    @Test
    void aSmartKeypointIsSamsMaskAsABrushRegionWithTheChosenLabel() throws Exception {
        // 25 % and 50 % of 120 x 80: pixel (30, 40).
        JsonNode answer = click(11, keypoint(25, 50, true, "Dog"));
        assertThat(answer.has("errors")).as(answer.toString()).isFalse();
        JsonNode data = answer.path("data");
        assertThat(data.path("model_version").asString()).startsWith("fma-wsss-");
        JsonNode result = data.path("result");
        assertThat(result).hasSize(1);
        JsonNode region = result.get(0);
        assertThat(region.path("type").asString()).isEqualTo("brushlabels");
        assertThat(region.path("from_name").asString()).isEqualTo("tag");
        assertThat(region.path("to_name").asString()).isEqualTo("image");
        assertThat(region.path("original_width").asInt()).isEqualTo(W);
        assertThat(region.path("original_height").asInt()).isEqualTo(H);
        assertThat(region.path("id").asString()).hasSize(10);
        JsonNode value = region.path("value");
        assertThat(value.path("format").asString()).isEqualTo("rle");
        assertThat(value.path("brushlabels")).hasSize(1);
        assertThat(value.path("brushlabels").get(0).asString()).isEqualTo("Dog");
        assertThat(region.path("score").asDouble()).isEqualTo(data.path("score").asDouble());
        int[] rle = JSON.treeToValue(value.path("rle"), int[].class);
        boolean[] mask = BrushRle.decodeMask(rle, W, H);
        boolean[] expected = segments("[[30, 40, 1]]", null);
        assertThat(area(expected)).as("the demo bundle's SAM finds something at the click").isPositive();
        assertThat(mask).isEqualTo(expected);
    }

    @Test
    void laterClicksOnATaskFetchNothingAndNegativeKeypointsRefineTheMask() throws Exception {
        JsonNode first = click(12, keypoint(60, 30, true, "Cat"));
        assertThat(first.has("errors")).as(first.toString()).isFalse();
        long fetches = ls.seen().stream().filter(s -> s.path().contains("a.png")).count();
        JsonNode second = click(12, keypoint(60, 30, true, "Cat"), keypoint(20, 75, false, "Cat"));
        assertThat(second.has("errors")).as(second.toString()).isFalse();
        assertThat(ls.seen().stream().filter(s -> s.path().contains("a.png")).count()).isEqualTo(fetches);
        boolean[] expected = segments("[[72, 24, 1], [24, 60, 0]]", null);
        JsonNode result = second.path("data").path("result");
        if (area(expected) == 0) {
            assertThat(result).isEmpty();
        } else {
            int[] rle = JSON.treeToValue(result.get(0).path("value").path("rle"), int[].class);
            assertThat(BrushRle.decodeMask(rle, W, H)).isEqualTo(expected);
        }
    }

    @Test
    void aSmartRectangleIsTheBox() throws Exception {
        String rectangle = """
                {"original_width": %d, "original_height": %d, "image_rotation": 0,
                 "value": {"x": 10, "y": 25, "width": 50, "height": 50, "rotation": 0, "rectanglelabels": ["Cat"]},
                 "id": "rect1", "from_name": "tag3", "to_name": "image", "type": "rectanglelabels", "origin": "manual"}
                """.formatted(W, H);
        JsonNode answer = click(11, rectangle);
        assertThat(answer.has("errors")).as(answer.toString()).isFalse();
        boolean[] expected = segments(null, "[12, 20, 72, 60]");
        JsonNode result = answer.path("data").path("result");
        assertThat(area(expected)).isPositive();
        assertThat(result.get(0).path("value").path("brushlabels").get(0).asString()).isEqualTo("Cat");
        int[] rle = JSON.treeToValue(result.get(0).path("value").path("rle"), int[].class);
        assertThat(BrushRle.decodeMask(rle, W, H)).isEqualTo(expected);
    }

    @Test
    void aPolygonProjectGetsTheMaskAsPolygons() throws Exception {
        JsonNode answer = click(21, keypoint(25, 50, true, "Cat"));
        assertThat(answer.has("errors")).as(answer.toString()).isFalse();
        boolean[] expected = segments("[[30, 40, 1]]", null);
        boolean[] covered = new boolean[W * H];
        JsonNode result = answer.path("data").path("result");
        assertThat(result.size()).isPositive();
        for (JsonNode item : result) {
            assertThat(item.path("type").asString()).isEqualTo("polygonlabels");
            assertThat(item.path("from_name").asString()).isEqualTo("tag");
            assertThat(item.path("value").path("polygonlabels").get(0).asString()).isEqualTo("Cat");
            JsonNode points = item.path("value").path("points");
            double[] xy = new double[points.size() * 2];
            for (int i = 0; i < points.size(); i++) {
                xy[2 * i] = points.get(i).get(0).asDouble() * W / 100;
                xy[2 * i + 1] = points.get(i).get(1).asDouble() * H / 100;
            }
            boolean[] filled = PolygonRasterizer.fill(xy, W, H);
            for (int p = 0; p < filled.length; p++) {
                covered[p] |= filled[p];
            }
        }
        int[] labels = new int[W * H];
        for (int p = 0; p < labels.length; p++) {
            labels[p] = expected[p] ? 1 : 0;
        }
        List<int[]> regions = LabelStudioFlowTest.regions(new LabelMap(W, H, labels), 16);
        assertThat(regions).isNotEmpty();
        for (int[] region : regions) {
            for (int p : region) {
                assertThat(covered[p]).as("pixel %d of a mask region of 16 pixels or more is inside a polygon", p).isTrue();
            }
        }
    }

    @Test
    void smartRegionsTheProjectCannotTakeComeBackAsLabelStudioErrors() throws Exception {
        String horse = keypoint(25, 50, true, "Horse");
        JsonNode noSuchLabel = click(11, horse);
        assertThat(noSuchLabel.path("errors").get(0).asString()).contains("422").contains("'Horse'").contains("tag");
        JsonNode outside = click(11, keypoint(25, 50, true, "Cat").replace("\"x\": 25.0", "\"x\": 125.0"));
        assertThat(outside.path("errors").get(0).asString()).contains("value.x").contains("125");
    }
}
