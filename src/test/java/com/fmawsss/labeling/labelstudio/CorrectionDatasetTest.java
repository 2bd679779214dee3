package com.fmawsss.labeling.labelstudio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fmawsss.cam.SyntheticImages;
import com.fmawsss.image.ImageDecoder;
import com.fmawsss.image.ImageLimits;
import com.fmawsss.image.LabelMapPng;
import com.fmawsss.image.RgbImages;
import com.fmawsss.problems.ApiProblem;
import com.fmawsss.prompts.Vocabulary;
import com.fmawsss.security.DataRoots;
import com.fmawsss.security.GuardedHttpClient;
import com.fmawsss.security.OutboundPolicy;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** The correction dataset's durability: entries survive a restart, bad ones are set aside with the reason. */
class CorrectionDatasetTest {

    static final String KEY = "k-123";
    static final String CONFIG = "<View><Image name=\"image\" value=\"$image\"/><PolygonLabels name=\"poly\" toName=\"image\">"
            + "<Label value=\"Dog\"/></PolygonLabels></View>";
    static final JsonMapper JSON = JsonMapper.builder().build();

    static LabelStudioClient client(String url) {
        OutboundPolicy policy = new OutboundPolicy(List.of("127.0.0.1"), true, false, OutboundPolicy.systemResolver());
        GuardedHttpClient http = new GuardedHttpClient(policy, Duration.ofSeconds(1), Duration.ofSeconds(3), 3);
        URI base = URI.create(url);
        return new LabelStudioClient(base, http, new LabelStudioAuth(base, KEY, http, Clock.systemUTC()), RateLimiter.NONE, 1_000_000);
    }

    static CorrectionDataset dataset(Path root, LabelStudioClient client) {
        LabelStudioProperties properties = LabelStudioOutboundTest.properties(java.util.Map.of("dataset-dir", "ls"));
        return new CorrectionDataset(() -> properties.correctionsRoot(new DataRoots(List.of(root)), root.resolve("state")),
                Vocabulary::voc, client, new ImageDecoder(), ImageLimits.defaults());
    }

    static ArrayNode polygon(String label, double... xy) {
        ArrayNode result = JSON.createArrayNode();
        ObjectNode item = result.addObject();
        item.put("from_name", "poly").put("to_name", "image").put("type", "polygonlabels")
                .put("original_width", 20).put("original_height", 10);
        ObjectNode value = item.putObject("value");
        ArrayNode points = value.putArray("points");
        for (int i = 0; i < xy.length; i += 2) {
            points.addArray().add(xy[i]).add(xy[i + 1]);
        }
        value.putArray("polygonlabels").add(label);
        return result;
    }

    @Test
    void entriesLeftByAStoppedProcessAreStoredAfterTheRestart(@TempDir Path root) throws Exception {
        try (FakeLabelStudio ls = FakeLabelStudio.start(KEY)) {
            ls.file("/data/upload/1/a.png", SyntheticImages.discsPng(20, 10, 4));
            LabelStudioTask task = new LabelStudioTask(5L, JSON.createObjectNode().put("image", "/data/upload/1/a.png"), null);
            // Label Studio is unreachable for the first process: the entry waits in the spool.
            CorrectionDataset first = dataset(root, client("http://127.0.0.1:9"));
            first.accept(1, CONFIG, task, 77, polygon("Dog", 0, 0, 50, 0, 50, 100, 0, 100));
            assertThat(first.awaitIdle(Duration.ofMillis(500))).isFalse();
            first.close();
            assertThat(Files.list(root.resolve("ls/.spool")).filter(p -> p.toString().endsWith(".json"))).hasSize(1);

            CorrectionDataset second = dataset(root, client(ls.url()));
            second.start();
            assertThat(second.awaitIdle(Duration.ofSeconds(20))).isTrue();
            assertThat(second.size(1)).isEqualTo(1);
            int[] labels = LabelMapPng.decode(Files.readAllBytes(root.resolve("ls/project-1/masks/task-5.png")), ImageLimits.defaults())
                    .labels();
            int[] expected = new int[200];
            for (int p = 0; p < 200; p++) {
                expected[p] = p % 20 < 10 ? 12 : 0; // dog = VOC index 11 + 1 over the left half
            }
            assertThat(labels).isEqualTo(expected);
            assertThat(Files.readString(root.resolve("ls/project-1/dataset.json"))).contains("\"vocabulary\":\"voc\"");
            assertThat(Files.list(root.resolve("ls/.spool")).filter(p -> p.toString().endsWith(".json"))).isEmpty();

            // An annotation whose brush size differs from the image is set aside with the reason.
            ArrayNode wrongSize = JSON.createArrayNode();
            ObjectNode brush = wrongSize.addObject().put("from_name", "poly").put("type", "brushlabels")
                    .put("original_width", 30).put("original_height", 10);
            ObjectNode value = brush.putObject("value").put("format", "rle");
            Arrays.stream(BrushRle.encode(new boolean[300])).forEach(value.putArray("rle")::add);
            value.putArray("brushlabels").add("Dog");
            String name = second.accept(1, CONFIG, task, 78, wrongSize);
            assertThat(second.awaitIdle(Duration.ofSeconds(20))).isTrue();
            assertThat(Files.readString(root.resolve("ls/.spool/rejected/" + name + ".error.txt"))).contains("30x10", "20x10");
            assertThat(second.size(1)).as("the stored sample is untouched").isEqualTo(1);
            second.close();
        }
    }

    @Test
    void withoutDataRootsCorrectionsGoUnderTheStateDirectory(@TempDir Path state) throws Exception {
        try (FakeLabelStudio ls = FakeLabelStudio.start(KEY)) {
            ls.file("/data/upload/1/a.png", SyntheticImages.discsPng(20, 10, 4));
            LabelStudioProperties properties = LabelStudioOutboundTest.properties(java.util.Map.of());
            CorrectionDataset dataset = new CorrectionDataset(() -> properties.correctionsRoot(new DataRoots(List.of()), state),
                    Vocabulary::voc, client(ls.url()), new ImageDecoder(), ImageLimits.defaults());
            LabelStudioTask task = new LabelStudioTask(5L, JSON.createObjectNode().put("image", "/data/upload/1/a.png"), null);
            dataset.accept(1, CONFIG, task, 77, polygon("Dog", 0, 0, 50, 0, 50, 100, 0, 100));
            assertThat(dataset.awaitIdle(Duration.ofSeconds(20))).isTrue();
            assertThat(dataset.manifest(1)).isEqualTo(state.resolve("label-studio-corrections/project-1/manifest.jsonl"));
            assertThat(Files.readAllLines(dataset.manifest(1))).hasSize(1).first().asString().contains("\"task\":5");
            dataset.close();
        }
    }

    @Test
    void aDatasetDirOutsideTheDataRootsIsRefusedForEveryEvent(@TempDir Path root) {
        LabelStudioProperties properties = LabelStudioOutboundTest.properties(java.util.Map.of("dataset-dir", "/etc/ls"));
        CorrectionDataset outside = new CorrectionDataset(() -> properties.correctionsRoot(new DataRoots(List.of(root)), root),
                Vocabulary::voc, client("http://127.0.0.1:9"), new ImageDecoder(), ImageLimits.defaults());
        assertThatThrownBy(() -> outside.accept(1, CONFIG, new LabelStudioTask(1L, JSON.createObjectNode(), null), 1, JSON.createArrayNode()))
                .isInstanceOfSatisfying(ApiProblem.class, p -> assertThat(p.status().value()).isEqualTo(403));
        outside.close();
    }
}
