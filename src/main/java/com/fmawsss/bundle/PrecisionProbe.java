package com.fmawsss.bundle;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.repository.zoo.ZooModel;
import com.fmawsss.io.AtomicFiles;
import com.fmawsss.io.Sha256;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * Chooses the compute precision by measurement, not by CPU flags: the heavy modules (CLIP's vision
 * trunk, SAM's image encoder and point decoder) run at every precision the bundle carries, on the
 * same fixed synthetic input, once to warm up and once timed; the fastest whose outputs stay within
 * {@code maxError} of fp32's (largest absolute difference over the largest absolute fp32 value, for
 * each output) wins.
 * The choice is kept under the state directory per bundle, device, thread count and CPU, so only the
 * first start on a machine pays for the measurement.
 */
public final class PrecisionProbe {

    private static final Logger LOG = LoggerFactory.getLogger(PrecisionProbe.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** The trunk's input: a CLIP-sized image (14 x 14 patches of 16). */
    private static final int CLIP_SIDE = 224;
    /** Point prompts of the decoder's timed call: one batch as mask generation sends on a CPU. */
    static final int DECODER_POINTS = 8;

    /**
     * One precision as measured.
     *
     * @param seconds the timed pass of the modules together
     * @param relativeError largest absolute difference from fp32's outputs over fp32's largest absolute value
     */
    public record Measurement(String precision, double seconds, double relativeError) {}

    /**
     * @param precision the chosen one
     * @param measurements every precision measured, fp32 first
     * @param maxError the accuracy budget the choice was made with
     */
    public record Choice(String precision, List<Measurement> measurements, double maxError) {

        ComputePrecision chosen() {
            return ComputePrecision.of(precision);
        }
    }

    private PrecisionProbe() {}

    /**
     * The precision to run at: the kept choice for this bundle and machine, else measured now.
     *
     * @param keepIn where choices are kept ({@code <state>/precision}), or {@code null} to keep none
     */
    public static ComputePrecision choose(Path dir, BundleManifest manifest, Device device, double maxError, Path keepIn) {
        List<ComputePrecision> candidates = new ArrayList<>();
        for (ComputePrecision p : ComputePrecision.values()) {
            if (p.availableIn(manifest)) {
                candidates.add(p);
            }
        }
        if (candidates.size() == 1) {
            return ComputePrecision.FP32;
        }
        Path kept = keepIn == null ? null : keepIn.resolve(key(dir, device, maxError) + ".json");
        if (kept != null && Files.isRegularFile(kept)) {
            try {
                Choice choice = JSON.readValue(Files.readAllBytes(kept), Choice.class);
                LOG.info("compute precision {} (measured before on this machine: {})", choice.precision(), describe(choice));
                return choice.chosen();
            } catch (IOException | RuntimeException e) {
                LOG.warn("ignoring the unreadable precision choice {}: {}", kept, e.toString());
            }
        }
        Choice choice = measure(dir, manifest, device, candidates, maxError);
        LOG.info("compute precision {} (measured: {})", choice.precision(), describe(choice));
        if (kept != null) {
            try {
                Files.createDirectories(kept.getParent());
                AtomicFiles.write(kept, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(choice));
            } catch (IOException e) {
                LOG.warn("cannot keep the precision choice in {}: {}", kept, e.toString());
            }
        }
        return choice.chosen();
    }

    static Choice measure(Path dir, BundleManifest manifest, Device device, List<ComputePrecision> candidates,
            double maxError) {
        List<Measurement> measurements = new ArrayList<>();
        List<float[]> reference = null;
        String best = ComputePrecision.FP32.setting();
        double bestSeconds = Double.POSITIVE_INFINITY;
        for (ComputePrecision precision : candidates) {
            List<float[]> outputs = new ArrayList<>();
            double seconds = run(dir, manifest, device, precision, outputs);
            if (precision == ComputePrecision.FP32) {
                reference = outputs;
            }
            double error = 0;
            for (int i = 0; reference != null && i < outputs.size(); i++) {
                error = Math.max(error, relativeError(outputs.get(i), reference.get(i)));
            }
            measurements.add(new Measurement(precision.setting(), seconds, error));
            if (error <= maxError && seconds < bestSeconds) {
                best = precision.setting();
                bestSeconds = seconds;
            }
        }
        return new Choice(best, measurements, maxError);
    }

    /**
     * Loads the heavy modules at {@code precision}: CLIP's vision trunk, SAM's image encoder and
     * SAM's point decoder (fed the encoder's embedding and a row of {@value #DECODER_POINTS}
     * points, so its error includes the encoder's); warms each up and times one pass. Fills
     * {@code outputs} with the trunk's, the encoder's, the decoder's mask logits and its IoU
     * predictions, in that order.
     */
    private static double run(Path dir, BundleManifest manifest, Device device, ComputePrecision precision,
            List<float[]> outputs) {
        BundleModule[] modules = {BundleModule.VISION_TRUNK, BundleModule.SAM_IMAGE_ENCODER, BundleModule.SAM_MASK_DECODER};
        List<ZooModel<NDList, NDList>> loaded = new ArrayList<>();
        try (NDManager manager = NDManager.newBaseManager(device)) {
            for (BundleModule module : modules) {
                loaded.add(BundleLoader.loadModule(dir, manifest, module, precision.file(manifest, module), device));
            }
            DataType dtype = ModelBundle.dataTypeOf(manifest.dtype());
            int samSide = manifest.sam().inputSize();
            double seconds = 0;
            NDArray embedding = null;
            NDList[] inputs = {
                new NDList(input(manager, CLIP_SIDE, dtype), manager.create(1L)),
                new NDList(input(manager, samSide, dtype)),
                null};
            for (int m = 0; m < modules.length; m++) {
                if (m == 2) {
                    float[] coords = new float[2 * DECODER_POINTS];
                    long[] labels = new long[DECODER_POINTS];
                    for (int p = 0; p < DECODER_POINTS; p++) {
                        coords[2 * p] = samSide * (p + 0.5f) / DECODER_POINTS;
                        coords[2 * p + 1] = samSide * 0.5f;
                        labels[p] = 1;
                    }
                    inputs[2] = new NDList(embedding, manager.create(coords, new Shape(DECODER_POINTS, 2)).toType(dtype, false),
                            manager.create(labels));
                }
                PtSymbolBlock block = (PtSymbolBlock) loaded.get(m).getBlock();
                IValueUtils.forward(block, inputs[m], false); // TorchScript profiles and optimises on first calls
                long start = System.nanoTime();
                NDList out = IValueUtils.forward(block, inputs[m], false);
                seconds += (System.nanoTime() - start) / 1e9;
                for (NDArray array : out) {
                    outputs.add(array.toType(DataType.FLOAT32, false).toFloatArray());
                }
                if (m == 1) {
                    embedding = out.head();
                }
            }
            return seconds;
        } finally {
            loaded.forEach(ZooModel::close);
        }
    }

    /** A fixed pseudo-random image-like input, normalised values in [-2, 2]. */
    private static NDArray input(NDManager manager, int side, DataType dtype) {
        SplittableRandom random = new SplittableRandom(20261208);
        float[] values = new float[3 * side * side];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (random.nextDouble() * 4 - 2);
        }
        return manager.create(values, new Shape(1, 3, side, side)).toType(dtype, false);
    }

    static double relativeError(float[] actual, float[] reference) {
        double scale = 0;
        double error = 0;
        for (int i = 0; i < reference.length; i++) {
            scale = Math.max(scale, Math.abs(reference[i]));
            error = Math.max(error, Math.abs(actual[i] - reference[i]));
        }
        return scale == 0 ? error : error / scale;
    }

    private static String key(Path dir, Device device, double maxError) {
        String cpu = "";
        try {
            cpu = Files.readString(Path.of("/proc/cpuinfo")).lines().filter(l -> l.startsWith("model name")).findFirst()
                    .orElse("");
        } catch (IOException | SecurityException e) {
            // No CPU model: the key still separates bundles, devices and thread counts.
        }
        String manifest;
        try {
            manifest = Sha256.hex(dir.resolve(BundleManifest.FILE_NAME));
        } catch (IOException e) {
            manifest = dir.toAbsolutePath().toString();
        }
        String machine = String.format(Locale.ROOT, "%s|%s|%d|%s|%.6f", manifest, Devices.name(device),
                TorchThreads.intraOpThreads(), cpu, maxError);
        return manifest.substring(0, 12) + "-" + Sha256.hex(machine).substring(0, 12);
    }

    private static String describe(Choice choice) {
        StringBuilder text = new StringBuilder();
        for (Measurement m : choice.measurements()) {
            text.append(String.format(Locale.ROOT, "%s%s %.2f s, error %.2g", text.isEmpty() ? "" : "; ", m.precision(),
                    m.seconds(), m.relativeError()));
        }
        return text + String.format(Locale.ROOT, "; budget %.2g", choice.maxError());
    }
}
