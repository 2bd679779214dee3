package com.fmawsss.bundle;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import com.fmawsss.DemoBundleFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** {@code fma.dtype=auto} for real weights: measured on the bundle's own modules, kept per machine. */
class PrecisionProbeTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static BundleManifest demoManifest() throws IOException {
        return new BundleVerifier().parseManifest(Files.readAllBytes(DemoBundleFixture.dir().resolve(BundleManifest.FILE_NAME)));
    }

    @Test
    void relativeErrorIsTheLargestDifferenceOverTheLargestReferenceValue() {
        float[] reference = {1f, -4f, 2f};
        float[] actual = {1.5f, -4f, 1.75f};
        assertThat(PrecisionProbe.relativeError(actual, reference)).isEqualTo(0.5 / 4);
        assertThat(PrecisionProbe.relativeError(reference, reference)).isZero();
        assertThat(PrecisionProbe.relativeError(new float[] {0.25f}, new float[] {0f})).isEqualTo(0.25);
    }

    @Test
    void bf16IsMeasuredAgainstFp32AndChosenOnlyWithinTheBudget() throws IOException {
        BundleManifest manifest = demoManifest();
        List<ComputePrecision> both = List.of(ComputePrecision.FP32, ComputePrecision.BF16);
        PrecisionProbe.Choice strict = PrecisionProbe.measure(DemoBundleFixture.dir(), manifest, Device.cpu(), both, 0);
        assertThat(strict.measurements()).extracting(PrecisionProbe.Measurement::precision).containsExactly("fp32", "bf16");
        PrecisionProbe.Measurement fp32 = strict.measurements().get(0);
        PrecisionProbe.Measurement bf16 = strict.measurements().get(1);
        assertThat(fp32.relativeError()).isZero();
        // bf16 keeps 8 bits of mantissa: its outputs differ from fp32's, but by percent, not by orders.
        assertThat(bf16.relativeError()).isGreaterThan(1e-4).isLessThan(0.2);
        assertThat(fp32.seconds()).isPositive();
        assertThat(bf16.seconds()).isPositive();
        assertThat(strict.precision()).isEqualTo("fp32");

        PrecisionProbe.Choice loose = PrecisionProbe.measure(DemoBundleFixture.dir(), manifest, Device.cpu(), both, 1.0);
        PrecisionProbe.Measurement looseFp32 = loose.measurements().get(0);
        PrecisionProbe.Measurement looseBf16 = loose.measurements().get(1);
        assertThat(loose.precision()).isEqualTo(looseBf16.seconds() < looseFp32.seconds() ? "bf16" : "fp32");
    }

    @Test
    void theChoiceIsKeptAndReadOnTheNextStart(@TempDir Path state) throws IOException {
        BundleManifest manifest = demoManifest();
        ComputePrecision first = PrecisionProbe.choose(DemoBundleFixture.dir(), manifest, Device.cpu(), 0, state);
        assertThat(first).isEqualTo(ComputePrecision.FP32);
        List<Path> kept;
        try (var files = Files.list(state)) {
            kept = files.toList();
        }
        assertThat(kept).hasSize(1);
        ObjectNode choice = (ObjectNode) JSON.readTree(Files.readAllBytes(kept.get(0)));
        assertThat(choice.get("precision").asString()).isEqualTo("fp32");
        assertThat(choice.get("measurements")).hasSize(2);

        // A kept choice is trusted as it stands: edit it and the next start follows the edit without measuring.
        choice.put("precision", "bf16");
        Files.write(kept.get(0), JSON.writeValueAsBytes(choice));
        assertThat(PrecisionProbe.choose(DemoBundleFixture.dir(), manifest, Device.cpu(), 0, state))
                .isEqualTo(ComputePrecision.BF16);
        // Another budget is another key: measured afresh.
        assertThat(PrecisionProbe.choose(DemoBundleFixture.dir(), manifest, Device.cpu(), 0, state.resolve("other")))
                .isEqualTo(ComputePrecision.FP32);
    }
}
