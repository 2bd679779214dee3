package com.fmawsss.cam;

import static org.assertj.core.api.Assertions.assertThat;

import com.fmawsss.NumericAssertions;
import com.fmawsss.DemoBundleFixture;
import com.fmawsss.PythonReference;
import com.fmawsss.bundle.ModelBundle;
import com.fmawsss.clip.ClipInput;
import com.fmawsss.clip.PromptSelection;
import com.fmawsss.clip.SelectedClass;
import com.fmawsss.image.RgbImage;
import com.fmawsss.image.RgbImages;
import com.fmawsss.prompts.PromptKind;
import com.fmawsss.prompts.PromptLayout;
import com.fmawsss.prompts.PromptSet;
import com.fmawsss.prompts.PromptSetFactory;
import com.fmawsss.prompts.PromptSetFile;
import com.fmawsss.prompts.Vocabulary;
import com.fmawsss.tensors.FloatTensor;
import com.fmawsss.tensors.Npy;
import com.fmawsss.tensors.NpyArray;
import com.fmawsss.tensors.Npz;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The Java CAM engine against {@code models/reference/cam_reference.py} (plain PyTorch over the
 * demo bundle's HF weights, per-class backward passes, OpenCV contours, spec constants written out
 * in Python): logits, raw CAMs and CAA-refined CAMs within {@code 1e-4 * max|reference|}.
 */
class CamReferenceEquivalenceTest {

    private static final double REL = 1e-4;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir static Path dir;

    private static final Map<String, CamResult> RESULTS = new LinkedHashMap<>();

    private record Case(String id, RgbImage image, PromptSet set, List<String> classes) {}

    private static List<Case> cases() throws IOException {
        ModelBundle bundle = DemoBundleFixture.bundle();
        int width = bundle.manifest().clip().textWidth();
        RgbImage chelsea;
        try (InputStream in = CamReferenceEquivalenceTest.class.getResourceAsStream("/photos/chelsea.jpg")) {
            chelsea = RgbImages.of(ImageIO.read(in));
        }
        PromptSet manualVoc = PromptSet.manual(Vocabulary.voc());
        return List.of(
                new Case("manual_voc", SyntheticImages.discs(113, 75, 1), manualVoc, List.of("person", "dog")),
                new Case("manual_free_text", SyntheticImages.discs(130, 97, 2), manualVoc, List.of("red kite", "Dog")),
                new Case("manual_coco_photo", chelsea, PromptSet.manual(Vocabulary.coco()), List.of("cat", "tie", "toothbrush")),
                new Case("learned_classification", SyntheticImages.discs(64, 81, 3),
                        PromptSetFactory.classification("cls", Vocabulary.voc(), 16, width, 11),
                        List.of("aeroplane", "bird", "cat", "tvmonitor")),
                new Case("learned_segmentation_voc", SyntheticImages.discs(113, 75, 4),
                        PromptSetFactory.segmentation("seg", Vocabulary.voc(), PromptLayout.VOC, 16, width, 12),
                        List.of("person", "horse")),
                new Case("learned_segmentation_coco", SyntheticImages.discs(90, 70, 5),
                        PromptSetFactory.segmentation("segc", Vocabulary.coco(), PromptLayout.COCO, 16, width, 13),
                        List.of("dog")),
                new Case("single_class", SyntheticImages.discs(96, 72, 6), manualVoc, List.of("sheep")));
    }

    @BeforeAll
    static void computeBothSides() throws IOException {
        CamEngine engine = new CamEngine(DemoBundleFixture.bundle());
        for (Case c : cases()) {
            PromptSelection selection = PromptSelection.of(c.set(), c.classes());
            ClipInput input = engine.preprocessor().apply(c.image());
            RESULTS.put(c.id(), engine.compute(input, selection, CamSettings.forPromptSet(c.set())));
            Files.write(dir.resolve(c.id() + ".pixels.npy"), Npy.write(NpyArray.of(
                    FloatTensor.of(input.pixels(), 1, 3, input.height(), input.width()))));
            ObjectNode json = JSON.createObjectNode();
            json.put("id", c.id()).put("pixels", c.id() + ".pixels.npy");
            ArrayNode classes = json.putArray("classes");
            for (SelectedClass s : selection.classes()) {
                classes.addObject().put("name", s.name()).put("prompt", s.prompt());
            }
            ArrayNode background = json.putArray("background");
            for (int b = 0; b < c.set().vocabulary().background().size(); b++) {
                background.addObject().put("name", c.set().vocabulary().background().get(b).name())
                        .put("prompt", c.set().backgroundText(b));
            }
            ObjectNode prompts = json.putObject("prompts");
            if (c.set().kind() == PromptKind.MANUAL) {
                prompts.put("kind", "manual").put("template", "a clean origami {}.");
            } else {
                Files.write(dir.resolve(c.id() + ".safetensors"), PromptSetFile.write(c.set()));
                prompts.put("kind", "learned").put("file", c.id() + ".safetensors");
            }
            json.put("stream", c.set().kind() == PromptKind.SEGMENTATION ? "segmentation" : "classification");
            json.put("layout", c.set().vocabulary().name());
            Files.writeString(dir.resolve(c.id() + ".case.json"), JSON.writeValueAsString(json));
        }
        PythonReference.run("models/reference/cam_reference.py", "--bundle", DemoBundleFixture.dir().toString(),
                "--cases", dir.toString());
    }

    @TestFactory
    Stream<DynamicTest> camsLogitsAndRefinedCamsMatchTheReference() {
        List<DynamicTest> tests = new ArrayList<>();
        RESULTS.forEach((id, result) -> tests.add(DynamicTest.dynamicTest(id, () -> {
            Map<String, NpyArray> ref = Npz.read(Files.readAllBytes(dir.resolve(id + ".ref.npz")), 10_000_000);
            FloatTensor raw = ref.get("raw").toFloatTensor();
            assertThat(result.raw().shape()).containsExactly(raw.shape());
            NumericAssertions.assertRelativeClose(id + " logits", ref.get("logits").toFloatTensor().data(), result.logits(), REL);
            NumericAssertions.assertRelativeClose(id + " raw", raw.data(), result.raw().data(), REL);
            // Through the include=cams debug archive, exactly as clients receive it.
            Map<String, NpyArray> debug = Npz.read(result.toNpz(), 10_000_000);
            NumericAssertions.assertRelativeClose(id + " refined", ref.get("refined").toFloatTensor().data(),
                    debug.get("refined").toFloatTensor().data(), REL);
            assertThat(debug.get("raw").toFloatTensor()).isEqualTo(result.raw());
        })));
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> caaActuallyChangesTheCamsWhereItRuns() {
        return RESULTS.entrySet().stream().map(e -> DynamicTest.dynamicTest(e.getKey(), () -> {
            CamResult r = e.getValue();
            if (r.settings().enabled()) {
                assertThat(r.refined().data()).isNotEqualTo(r.raw().data());
            } else {
                assertThat(r.refined()).isEqualTo(r.raw());
            }
        }));
    }
}
