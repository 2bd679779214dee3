package com.fmawsss.pipeline;

import ai.djl.Device;
import com.fmawsss.bundle.BundleLoader;
import com.fmawsss.bundle.BundleManifest;
import com.fmawsss.bundle.BundleVerifier;
import com.fmawsss.bundle.ComputePrecision;
import com.fmawsss.bundle.DemoBundle;
import com.fmawsss.bundle.Devices;
import com.fmawsss.bundle.ModelBundle;
import com.fmawsss.bundle.PrecisionProbe;
import com.fmawsss.bundle.TorchThreads;
import com.fmawsss.cam.CamEngine;
import com.fmawsss.prompts.PromptRegistry;
import com.fmawsss.prompts.PromptStore;
import com.fmawsss.sam.QuasiSuperpixelService;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * How a process sets up its models, the same for the service (Spring's {@link ModelConfiguration})
 * and the batch commands ({@code seed-batch}, {@code seed-merge}): the verified bundle on its
 * device at the configured precision, the prompt store, the pipeline over the bundle and the
 * mask-generation profiles. The same settings give the same models everywhere.
 */
public final class ModelSetup {

    /** Subdirectory of the state directory holding the prompt store. */
    public static final String PROMPTS_DIR = "prompts";

    /** Subdirectory of the state directory keeping the measured precision choice per bundle and machine. */
    public static final String PRECISION_DIR = "precision";

    /** Default accuracy budget of {@code fma.dtype=auto}: see {@link Settings#dtypeMaxError}. */
    public static final double DEFAULT_DTYPE_MAX_ERROR = 0.05;

    /** Subdirectory of the state directory holding the quasi-superpixel disk cache. */
    public static final String SUPERPIXELS_DIR = "superpixels";

    /**
     * What a process configures about its models (the service's {@code fma.*} properties, the batch
     * commands' flags and the same environment variables).
     *
     * @param bundleDir the bundle directory; {@code null} for the random-weight demo bundle in the jar
     * @param stateDir durable state (prompt store, the unpacked demo bundle, caches)
     * @param device {@code auto}, {@code cpu} or {@code cuda:N} ({@code fma.device})
     * @param dtype {@code auto}, {@code fp32} or {@code bf16} ({@code fma.dtype}); {@code auto}
     *     measures every precision the bundle carries and takes the fastest within {@code dtypeMaxError}
     * @param dtypeMaxError accuracy budget of {@code auto}: the largest difference of a variant's
     *     heavy-module outputs from fp32's, relative to fp32's largest value ({@code fma.dtype-max-error})
     * @param intraOpThreads libtorch intra-op threads, 0 for libtorch's default
     * @param interOpThreads libtorch inter-op threads, 0 for libtorch's default
     */
    public record Settings(Path bundleDir, Path stateDir, String device, String dtype, double dtypeMaxError,
            int intraOpThreads, int interOpThreads) {}

    private ModelSetup() {}

    /**
     * Verifies the bundle (format, SHA-256 of every file) and loads it on the device at the
     * precision {@code dtype} resolves to ({@code auto}: measured, {@link PrecisionProbe}). A tiny
     * bundle of random weights (the demo bundle, or any bundle exported {@code --tiny}) is flagged as
     * such: {@code auto} runs it fp32, and it gets the demo mask-generation profile.
     *
     * @param demoJar the class loader holding the packaged demo bundle
     */
    public static ModelBundle loadBundle(Settings settings, BundleVerifier verifier, ClassLoader demoJar) {
        TorchThreads.apply(settings.intraOpThreads(), settings.interOpThreads());
        boolean packaged = settings.bundleDir() == null;
        Path dir = packaged ? new DemoBundle(demoJar, verifier).materialize(settings.stateDir()) : settings.bundleDir();
        BundleManifest manifest = verifier.verify(dir);
        boolean randomWeights = packaged || manifest.tiny();
        Device device = Devices.resolve(settings.device());
        ComputePrecision precision = isAuto(settings.dtype()) && !randomWeights
                ? PrecisionProbe.choose(dir, manifest, device, settings.dtypeMaxError(), settings.stateDir().resolve(PRECISION_DIR))
                : ComputePrecision.resolve(settings.dtype(), manifest);
        return new BundleLoader().load(dir, manifest, device, randomWeights, precision);
    }

    private static boolean isAuto(String dtype) {
        return dtype == null || dtype.isBlank() || dtype.strip().equals("auto");
    }

    /** The prompt store under the state directory, created when missing. */
    public static PromptStore promptStore(Path stateDir, ModelBundle bundle) {
        return new PromptStore(stateDir.resolve(PROMPTS_DIR), bundle.manifest().clip().textWidth());
    }

    /** The prompt store for reading only: a missing store is not created, the built-in versions remain. */
    public static PromptRegistry existingPrompts(Path stateDir, ModelBundle bundle) {
        Path dir = stateDir.resolve(PROMPTS_DIR);
        return Files.isDirectory(dir) ? new PromptStore(dir, bundle.manifest().clip().textWidth()) : new PromptRegistry();
    }

    /**
     * The pipeline over the bundle.
     *
     * @param superpixelCacheBytes in-memory budget of the quasi-superpixel cache (0: none)
     * @param superpixelDiskCache a directory for the quasi-superpixel disk cache, or {@code null}
     * @param embeddingCacheBytes budget of the kept whole-image SAM embeddings (0: none)
     * @param metrics where every run's stage reports go besides its caller
     */
    public static FmaPipeline pipeline(ModelBundle bundle, long superpixelCacheBytes, Path superpixelDiskCache,
            long embeddingCacheBytes, StageMetrics metrics) {
        return new FmaPipeline(new CamEngine(bundle), new QuasiSuperpixelService(bundle, superpixelCacheBytes,
                superpixelDiskCache, embeddingCacheBytes), metrics);
    }

    /**
     * The mask-generation profiles: {@code profile} ({@code auto}: demo for random weights,
     * official on a GPU, fast on a CPU) with the operator's field overrides.
     */
    public static AmgProfileResolver amgProfiles(ModelBundle bundle, String profile, Map<String, String> overrides) {
        return new AmgProfileResolver(profile, bundle.demo(), bundle.device().isGpu(), overrides);
    }
}
