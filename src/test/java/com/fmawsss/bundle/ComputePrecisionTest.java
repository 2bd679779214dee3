package com.fmawsss.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fmawsss.DemoBundleFixture;
import java.io.IOException;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** {@code fma.dtype} resolution, bf16 hardware detection and the manifest's {@code computeVariants}. */
class ComputePrecisionTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static ObjectNode demoManifest() throws IOException {
        return (ObjectNode) JSON.readTree(Files.readAllBytes(DemoBundleFixture.dir().resolve(BundleManifest.FILE_NAME)));
    }

    private static BundleManifest parse(ObjectNode tree) {
        return new BundleVerifier().parseManifest(JSON.writeValueAsBytes(tree));
    }

    @Test
    void demoBundleListsBf16VariantsOfTheTwoHeavyModules() throws IOException {
        BundleManifest manifest = parse(demoManifest());
        assertThat(ComputePrecision.BF16.file(manifest, BundleModule.SAM_IMAGE_ENCODER)).isEqualTo("sam/image_encoder.bf16.pt");
        assertThat(ComputePrecision.BF16.file(manifest, BundleModule.VISION_TRUNK)).isEqualTo("clip/vision_trunk.bf16.pt");
        // Gradients, text training and the thresholded SAM decoder stay fp32.
        assertThat(ComputePrecision.BF16.file(manifest, BundleModule.GRADCAM)).isEqualTo("clip/gradcam.pt");
        assertThat(ComputePrecision.BF16.file(manifest, BundleModule.SAM_MASK_DECODER)).isEqualTo("sam/mask_decoder.pt");
        assertThat(ComputePrecision.FP32.file(manifest, BundleModule.SAM_IMAGE_ENCODER)).isEqualTo("sam/image_encoder.pt");
    }

    @Test
    void autoPicksBf16OnlyWithVariantsFastHardwareAndARealBundle() throws IOException {
        BundleManifest with = parse(demoManifest());
        ObjectNode tree = demoManifest();
        tree.remove("computeVariants");
        BundleManifest without = parse(tree);
        assertThat(ComputePrecision.resolve("auto", with, false, true)).isEqualTo(ComputePrecision.BF16);
        assertThat(ComputePrecision.resolve("auto", with, false, false)).isEqualTo(ComputePrecision.FP32);
        assertThat(ComputePrecision.resolve("auto", with, true, true)).isEqualTo(ComputePrecision.FP32);
        assertThat(ComputePrecision.resolve("auto", without, false, true)).isEqualTo(ComputePrecision.FP32);
        assertThat(ComputePrecision.resolve("fp32", with, false, true)).isEqualTo(ComputePrecision.FP32);
        assertThat(ComputePrecision.resolve("bf16", with, true, false)).isEqualTo(ComputePrecision.BF16);
        assertThatThrownBy(() -> ComputePrecision.resolve("bf16", without, false, true))
                .isInstanceOf(BundleException.class)
                .hasMessageContaining("--bf16-variants");
        assertThatThrownBy(() -> ComputePrecision.resolve("fp16", with, false, true))
                .isInstanceOf(IllegalArgumentException.class);
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

    @Test
    void cpuFlagsDecideFastBf16() {
        String zen4 = "processor\t: 0\nflags\t\t: fpu avx2 avx512f avx512_bf16 avx512_vnni\n\n"
                + "processor\t: 1\nflags\t\t: fpu avx2 avx512f avx512_bf16 avx512_vnni\n";
        String sapphire = "flags\t\t: avx512f amx_bf16 amx_tile amx_int8\n";
        String skylake = "flags\t\t: fpu avx2 avx512f avx512bw avx512_vnni\n";
        String mixed = "flags\t: amx_bf16\nflags\t: avx2\n";
        // AVX512-BF16 alone measured slower than fp32 (Bf16Hardware): only AMX counts.
        assertThat(Bf16Hardware.cpuInfoIsFast(zen4)).isFalse();
        assertThat(Bf16Hardware.cpuInfoIsFast(sapphire)).isTrue();
        assertThat(Bf16Hardware.cpuInfoIsFast(skylake)).isFalse();
        assertThat(Bf16Hardware.cpuInfoIsFast(mixed)).isFalse();
        assertThat(Bf16Hardware.cpuInfoIsFast("")).isFalse();
        // A flag name that merely contains the word does not count.
        assertThat(Bf16Hardware.cpuInfoIsFast("flags\t: amx_bf16x\n")).isFalse();
    }

    @Test
    void cudaCapabilityFromAmpereOnIsFast() {
        assertThat(Bf16Hardware.cudaCapabilityIsFast("80")).isTrue();
        assertThat(Bf16Hardware.cudaCapabilityIsFast("86")).isTrue();
        assertThat(Bf16Hardware.cudaCapabilityIsFast("90")).isTrue();
        assertThat(Bf16Hardware.cudaCapabilityIsFast("100")).isTrue();
        assertThat(Bf16Hardware.cudaCapabilityIsFast("75")).isFalse();
        assertThat(Bf16Hardware.cudaCapabilityIsFast("70")).isFalse();
        assertThat(Bf16Hardware.cudaCapabilityIsFast(null)).isFalse();
        assertThat(Bf16Hardware.cudaCapabilityIsFast("x8")).isFalse();
    }
}
