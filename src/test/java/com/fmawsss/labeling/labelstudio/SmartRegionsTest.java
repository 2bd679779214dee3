package com.fmawsss.labeling.labelstudio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fmawsss.sam.SamPrompt;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The smart-tool context of Label Studio's interactive predictions, read into SAM's prompt. */
class SmartRegionsTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** The context of label-studio-ml-backend's segment_anything_model/model.py {@code __main__}. */
    private static final String UPSTREAM_EXAMPLE = """
            {"result": [{
              "original_width": 1080, "original_height": 1080, "image_rotation": 0,
              "value": {"x": 49.441786283891545, "y": 59.96810207336522, "width": 0.3189792663476874,
                        "labels": ["Banana"], "keypointlabels": ["Banana"]},
              "is_positive": true, "id": "fBWv1t0S2L", "from_name": "tag2", "to_name": "image",
              "type": "keypointlabels", "origin": "manual"}]}
            """;

    private static Optional<SmartRegions> parse(String context) {
        return SmartRegions.parse(JSON.readTree(context), 64);
    }

    private static String keypoint(double x, double y, Boolean positive, String label) {
        return "{\"type\": \"keypointlabels\", \"to_name\": \"image\", \"from_name\": \"kp\", "
                + (positive == null ? "" : "\"is_positive\": " + positive + ", ")
                + "\"value\": {\"x\": " + x + ", \"y\": " + y + ", \"width\": 0.5, \"keypointlabels\": [\"" + label + "\"]}}";
    }

    @Test
    void theUpstreamExampleIsOnePositiveClickInPixelsOfTheImage() {
        SmartRegions regions = parse(UPSTREAM_EXAMPLE).orElseThrow();
        assertThat(regions.toName()).isEqualTo("image");
        assertThat(regions.label()).isEqualTo("Banana");
        SamPrompt prompt = regions.inPixels(1080, 1080);
        assertThat(prompt.box()).isNull();
        assertThat(prompt.points()).hasSize(1);
        SamPrompt.Point p = prompt.points().get(0);
        assertThat(p.positive()).isTrue();
        // The example backend truncates to int(x * w / 100) = 533; the fraction is kept here.
        assertThat(p.x()).isCloseTo(49.441786283891545 * 1080 / 100, within(1e-9));
        assertThat(p.y()).isCloseTo(59.96810207336522 * 1080 / 100, within(1e-9));
    }

    @Test
    void keypointsAreClicksInOrderAndAMissingIsPositiveIsNegativeAsInTheExampleBackend() {
        String context = "{\"result\": [" + keypoint(10, 20, true, "cat") + "," + keypoint(50, 50, false, "cat") + ","
                + keypoint(100, 100, null, "cat") + "]}";
        SamPrompt prompt = parse(context).orElseThrow().inPixels(200, 100);
        assertThat(prompt.points()).extracting(SamPrompt.Point::positive).containsExactly(true, false, false);
        assertThat(prompt.points().get(0).x()).isEqualTo(20.0);
        assertThat(prompt.points().get(0).y()).isEqualTo(20.0);
        // A keypoint on the far edge (100 %) stays on the image's last pixel.
        assertThat(prompt.points().get(2).x()).isLessThan(200).isGreaterThan(199.99);
        assertThat(prompt.points().get(2).y()).isLessThan(100).isGreaterThan(99.99);
    }

    @Test
    void aRectangleIsTheBoxAndARotatedOneTheBoxAroundItInPixels() {
        String plain = "{\"result\": [{\"type\": \"rectanglelabels\", \"to_name\": \"image\", \"value\": {\"x\": 10, \"y\": 20,"
                + " \"width\": 30, \"height\": 40, \"rotation\": 0, \"rectanglelabels\": [\"dog\"]}}]}";
        SmartRegions regions = parse(plain).orElseThrow();
        assertThat(regions.label()).isEqualTo("dog");
        SamPrompt.Box box = regions.inPixels(200, 100).box();
        assertThat(new double[] {box.x1(), box.y1(), box.x2(), box.y2()}).containsExactly(20, 20, 80, 60);

        // Turned 90° clockwise about its top-left corner (20, 20) on a 200x100 image: 60 px wide and
        // 40 px high before, so it then spans x from 20 - 40 to 20 and y from 20 to 20 + 60.
        String turned = plain.replace("\"rotation\": 0", "\"rotation\": 90");
        SamPrompt.Box around = parse(turned).orElseThrow().inPixels(200, 100).box();
        assertThat(around.x1()).isCloseTo(0, within(1e-9)); // clipped from -20
        assertThat(around.x2()).isCloseTo(20, within(1e-9));
        assertThat(around.y1()).isCloseTo(20, within(1e-9));
        assertThat(around.y2()).isCloseTo(80, within(1e-9));
    }

    @Test
    void aContextWithoutKeypointsOrRectanglesIsNoClick() {
        assertThat(SmartRegions.parse(null, 64)).isEmpty();
        assertThat(parse("{}")).isEmpty();
        assertThat(parse("{\"result\": []}")).isEmpty();
        assertThat(parse("{\"result\": [{\"type\": \"brushlabels\", \"to_name\": \"image\", \"value\": {\"format\": \"rle\"}}]}"))
                .isEmpty();
    }

    @Test
    void regionsLabelStudioWouldNeverSendAreRefusedWithTheReason() {
        assertThatThrownBy(() -> parse("{\"result\": [" + keypoint(101, 5, true, "cat") + "]}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("value.x").hasMessageContaining("101");
        assertThatThrownBy(() -> parse("{\"result\": [" + keypoint(5, 5, true, "cat").replace("\"to_name\": \"image\", ", "")
                + "]}")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("to_name");
        assertThatThrownBy(() -> parse("{\"result\": [" + keypoint(5, 5, true, "cat") + ","
                + keypoint(5, 5, true, "cat").replace("\"image\"", "\"other\"") + "]}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("two images");
        assertThatThrownBy(() -> parse("{\"result\": [{\"type\": \"rectanglelabels\", \"to_name\": \"image\", \"value\": {\"x\": 1,"
                + " \"y\": 1, \"width\": 0, \"height\": 5}}]}")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("width");
        StringBuilder many = new StringBuilder("{\"result\": [");
        for (int i = 0; i < 65; i++) {
            many.append(i == 0 ? "" : ",").append(keypoint(1, 1, true, "cat"));
        }
        assertThatThrownBy(() -> parse(many + "]}")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("64");
    }
}
