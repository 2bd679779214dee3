package com.fmawsss.api.segments;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fmawsss.DemoBundleFixture;
import com.fmawsss.api.inference.SynchronousAdmission;
import com.fmawsss.bundle.BundleModule;
import com.fmawsss.bundle.BundleVerifier;
import com.fmawsss.bundle.ModelBundle;
import com.fmawsss.cam.SyntheticImages;
import com.fmawsss.image.DecodedImage;
import com.fmawsss.image.ImageDecoder;
import com.fmawsss.image.ImageLimits;
import com.fmawsss.pipeline.AmgChoice;
import com.fmawsss.pipeline.ModelSetup;
import com.fmawsss.pipeline.PipelineExecutor;
import com.fmawsss.pipeline.StageMetrics;
import com.fmawsss.problems.ApiProblem;
import com.fmawsss.sam.AmgProfiles;
import com.fmawsss.sam.SamPrompt;
import com.fmawsss.scheduler.InferenceScheduler;
import com.fmawsss.scheduler.SchedulerProperties;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A bundle exported before the prompt decoder existed still loads and serves everything else; a
 * click is answered with a 501 problem that says to export the bundle again.
 */
class BundleWithoutPromptDecoderTest {

    @Test
    void anOlderBundleLoadsWithoutThePromptDecoderAndAnswersClicksWith501(@TempDir Path dir) throws Exception {
        Path bundleDir = dir.resolve("bundle");
        try (Stream<Path> files = Files.walk(DemoBundleFixture.dir())) {
            for (Path file : files.toList()) {
                Path target = bundleDir.resolve(DemoBundleFixture.dir().relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else if (!file.endsWith(BundleModule.SAM_PROMPT_DECODER.path())) {
                    Files.copy(file, target);
                }
            }
        }
        JsonMapper json = JsonMapper.builder().build();
        ObjectNode manifest = (ObjectNode) json.readTree(bundleDir.resolve("manifest.json").toFile());
        ((ObjectNode) manifest.path("files")).remove(BundleModule.SAM_PROMPT_DECODER.path());
        Files.write(bundleDir.resolve("manifest.json"), json.writeValueAsBytes(manifest));

        try (ModelBundle bundle = ModelSetup.loadBundle(new ModelSetup.Settings(bundleDir, dir.resolve("state"), "cpu", "fp32", 0.05,
                0, 0), new BundleVerifier(), getClass().getClassLoader());
                InferenceScheduler scheduler = new InferenceScheduler("cpu", SchedulerProperties.defaults())) {
            assertThat(bundle.has(BundleModule.SAM_PROMPT_DECODER)).isFalse();
            assertThat(bundle.has(BundleModule.SAM_MASK_DECODER)).isTrue();
            PipelineExecutor executor = new PipelineExecutor(ModelSetup.pipeline(bundle, 0, null, 0, StageMetrics.NONE),
                    scheduler);
            assertThat(executor.answersPrompts()).isFalse();
            SegmentService service = new SegmentService(executor,
                    new SynchronousAdmission(executor, SchedulerProperties.defaults()));
            DecodedImage image = new ImageDecoder().decode(SyntheticImages.discsPng(40, 30, 1), ImageLimits.defaults());
            SegmentRequest click = new SegmentRequest(image, new SamPrompt(List.of(new SamPrompt.Point(5, 5, true)), null),
                    null, null, new AmgChoice("demo", AmgProfiles.named("demo")), false);
            assertThatThrownBy(() -> service.submit(click)).isInstanceOfSatisfying(ApiProblem.class, problem -> {
                assertThat(problem.status().value()).isEqualTo(501);
                assertThat(problem.slug()).isEqualTo("prompts-unsupported");
                assertThat(problem.getMessage()).contains("export it again");
            });
        }
    }
}
