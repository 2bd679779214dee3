package com.fmawsss.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fmawsss.DemoBundleFixture;
import java.io.IOException;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** {@code fma.dtype} resolution and the manifest's {@code computeVariants}. */
class ComputePrecisionTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static ObjectNode demoManifest() throws IOException {
        return (ObjectNode) JSON.readTree(Files.readAllBytes(DemoBundleFixture.dir().resolve(BundleManifest.FILE_NAME)));
    }

    private static BundleManifest parse(ObjectNode tree) {
        return new BundleVerifier().parseManifest(JSON.writeValueAsBytes(tree));
    }

    @Test
    void demoBundleListsBf16VariantsOfTheThreeHeavyModules() throws IOException {
        BundleManifest manifest = parse(demoManifest());
        assertThat(ComputePrecision.BF16.file(manifest, BundleModule.SAM_IMAGE_ENCODER)).isEqualTo("sam/image_encoder.bf16.pt");
        assertThat(ComputePrecision.BF16.file(manifest, BundleModule.VISION_TRUNK)).isEqualTo("clip/vision_trunk.bf16.pt");
        assertThat(ComputePrecision.BF16.file(manifest, BundleModule.SAM_MASK_DECODER)).isEqualTo("sam/mask_decoder.bf16.pt");
        // Gradients, text training, the interactive prompt decoder and the upscaler stay fp32.
        assertThat(ComputePrecision.BF16.file(manifest, BundleModule.GRADCAM)).isEqualTo("clip/gradcam.pt");
        assertThat(ComputePrecision.BF16.file(manifest, BundleModule.SAM_PROMPT_DECODER)).isEqualTo("sam/prompt_decoder.pt");
        assertThat(ComputePrecision.BF16.file(manifest, BundleModule.SAM_MASK_UPSCALER)).isEqualTo("sam/mask_upscaler.pt");
        assertThat(ComputePrecision.FP32.file(manifest, BundleModule.SAM_IMAGE_ENCODER)).isEqualTo("sam/image_encoder.pt");
    }

    @Test
    void explicitSettingsAreHonouredAndAutoIsFp32WithoutMeasuring() throws IOException {
        BundleManifest with = parse(demoManifest());
        ObjectNode tree = demoManifest();
        tree.remove("computeVariants");
        BundleManifest without = parse(tree);
        assertThat(ComputePrecision.resolve("auto", with)).isEqualTo(ComputePrecision.FP32);
        assertThat(ComputePrecision.resolve(null, with)).isEqualTo(ComputePrecision.FP32);
        assertThat(ComputePrecision.resolve(" bf16 ", with)).isEqualTo(ComputePrecision.BF16);
        assertThat(ComputePrecision.resolve("fp32", without)).isEqualTo(ComputePrecision.FP32);
        assertThat(ComputePrecision.BF16.availableIn(without)).isFalse();
        assertThatThrownBy(() -> ComputePrecision.resolve("bf16", without))
                .isInstanceOf(BundleException.class)
                .hasMessageContaining("models/export.py");
        assertThatThrownBy(() -> ComputePrecision.resolve("fp16", with))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("auto, fp32, bf16");
    }

    @Test
    void variantThatIsNotAListedFileIsRefused() throws IOException {
        ObjectNode tree = demoManifest();
        ((ObjectNode) tree.get("computeVariants").get("bfloat16")).put("sam/image_encoder.pt", "sam/missing.pt");
        assertThatThrownBy(() -> parse(tree)).isInstanceOf(BundleException.class).hasMessageContaining("sam/missing.pt");
        ObjectNode unknown = demoManifest();
        ((ObjectNode) unknown.get("computeVariants").get("bfloat16")).put("clip/other.pt", "sam/image_encoder.bf16.pt");
        assertThatThrownBy(() -> parse(unknown)).isInstanceOf(BundleException.class).hasMessageContaining("clip/other.pt");
    }
}
