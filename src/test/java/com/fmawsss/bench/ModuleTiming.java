package com.fmawsss.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;

import com.fmawsss.bundle.BundleLoader;
import com.fmawsss.bundle.BundleManifest;
import com.fmawsss.bundle.BundleModule;
import com.fmawsss.bundle.BundleVerifier;
import com.fmawsss.bundle.ComputePrecision;
import com.fmawsss.bundle.ModelBundle;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Times the SAM image encoder of a bundle inside DJL's libtorch (the runtime the service uses,
 * which may lack kernels the exporter's PyTorch has), at fp32 and bf16 back to back, and can
 * record libtorch's own profile of one pass (a Chrome trace: chrome://tracing or Perfetto).
 *
 * <pre>
 * java -cp ... com.fmawsss.bench.ModuleTiming BUNDLE_DIR [REPEATS] [fp32,bf16] [TRACE_PREFIX]
 * </pre>
 */
public final class ModuleTiming {

    private ModuleTiming() {}

    /**
     * Runs the timing.
     *
     * @param args bundle directory, timed passes per precision (default 3), precisions
     *     (default {@code fp32,bf16}), optional trace file prefix
     */
    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        int repeats = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        String[] precisions = (args.length > 2 ? args[2] : "fp32,bf16").split(",");
        String trace = args.length > 3 ? args[3] : null;
        BundleManifest manifest = new BundleVerifier().verify(dir);
        int size = manifest.sam().inputSize();
        for (String p : precisions) {
            ComputePrecision precision = ComputePrecision.valueOf(p.toUpperCase(Locale.ROOT));
            try (ModelBundle bundle = new BundleLoader().load(dir, manifest, Device.cpu(), false, precision);
                    NDManager manager = NDManager.newBaseManager(Device.cpu())) {
                NDList input = new NDList(manager.randomNormal(new Shape(1, 3, size, size)));
                List<String> times = new ArrayList<>();
                for (int i = 0; i <= repeats; i++) {
                    long start = System.nanoTime();
                    long cpuStart = processCpuNanos();
                    bundle.forward(BundleModule.SAM_IMAGE_ENCODER, input).close();
                    // CPU time next to wall time: on a shared machine it is the steadier of the two.
                    times.add(String.format(Locale.ROOT, "%.2f (cpu %.2f)", (System.nanoTime() - start) / 1e9,
                            (processCpuNanos() - cpuStart) / 1e9));
                }
                System.out.printf("%s: warm-up %s s, passes %s s%n", p, times.get(0), times.subList(1, times.size()));
                if (trace != null) {
                    JniUtils.startProfile(false, true, false);
                    bundle.forward(BundleModule.SAM_IMAGE_ENCODER, input).close();
                    JniUtils.stopProfile(trace + "-" + p + ".json");
                }
            }
        }
    }

    private static long processCpuNanos() {
        return ProcessHandle.current().info().totalCpuDuration().map(java.time.Duration::toNanos).orElse(0L);
    }
}
