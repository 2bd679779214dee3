package com.fmawsss.batch;

import ai.djl.Device;
import com.fmawsss.bundle.BundleException;
import com.fmawsss.bundle.BundleLoader;
import com.fmawsss.bundle.BundleManifest;
import com.fmawsss.bundle.BundleVerifier;
import com.fmawsss.bundle.DemoBundle;
import com.fmawsss.bundle.Devices;
import com.fmawsss.bundle.ModelBundle;
import com.fmawsss.bundle.TorchThreads;
import com.fmawsss.cam.CamEngine;
import com.fmawsss.clip.PromptSelection;
import com.fmawsss.clip.UnknownClassException;
import com.fmawsss.io.Sha256;
import com.fmawsss.pipeline.AmgChoice;
import com.fmawsss.pipeline.AmgProfileResolver;
import com.fmawsss.pipeline.SeedPipeline;
import com.fmawsss.prompts.PromptKind;
import com.fmawsss.prompts.PromptRegistry;
import com.fmawsss.prompts.PromptSet;
import com.fmawsss.prompts.PromptSetFile;
import com.fmawsss.prompts.PromptStore;
import com.fmawsss.prompts.PromptStoreConfiguration;
import com.fmawsss.prompts.Vocabulary;
import com.fmawsss.sam.AmgSettings;
import com.fmawsss.sam.QuasiSuperpixelService;
import com.fmawsss.tensors.TensorFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The models of a shard, wired with plain constructors (no Spring context): the verified bundle on
 * its device, the seed pipeline over it, the pinned prompt set and the mask-generation settings.
 * Everything that cannot be right by retrying is a {@link ExitCodes#CONFIGURATION} error.
 */
final class SeedModels implements AutoCloseable {

    private final ModelBundle bundle;
    private final String manifestSha256;
    private final SeedPipeline pipeline;
    private final PromptSet prompts;
    private final String amgProfile;
    private final AmgSettings amg;

    private SeedModels(ModelBundle bundle, String manifestSha256, PromptSet prompts, String amgProfile, AmgSettings amg) {
        this.bundle = bundle;
        this.manifestSha256 = manifestSha256;
        // No superpixel cache: a dataset pass sees every image once.
        this.pipeline = new SeedPipeline(new CamEngine(bundle), new QuasiSuperpixelService(bundle, 0, null));
        this.prompts = prompts;
        this.amgProfile = amgProfile;
        this.amg = amg;
    }

    /**
     * Loads the models of a shard and checks that the prompt set knows every class of the vocabulary.
     */
    static SeedModels open(SeedBatchOptions options, Vocabulary vocabulary) {
        BundleVerifier verifier = new BundleVerifier();
        boolean packagedDemo = SeedBatchOptions.DEMO_BUNDLE.equals(options.bundle());
        ModelBundle bundle = null;
        try {
            Path dir = packagedDemo
                    ? new DemoBundle(SeedModels.class.getClassLoader(), verifier).materialize(options.stateDir())
                    : Path.of(options.bundle());
            BundleManifest manifest = verifier.verify(dir);
            String manifestSha256 = Sha256.hex(dir.resolve(BundleManifest.FILE_NAME));
            boolean randomWeights = packagedDemo || manifest.tiny();
            TorchThreads.apply(options.threads(), 0);
            Device device = Devices.resolve(options.device());
            // The service's choice: auto is demo for random weights, official on a GPU, fast on a CPU.
            AmgChoice amg = new AmgProfileResolver(options.amgProfile(), randomWeights, device.isGpu(), Map.of())
                    .resolve(null, null);
            bundle = new BundleLoader().load(dir, manifest, device, randomWeights);
            PromptSet prompts = prompts(options, manifest.clip().textWidth());
            requireClasses(prompts, vocabulary);
            return new SeedModels(bundle, manifestSha256, prompts, amg.profile(), amg.settings());
        } catch (BundleException | IllegalArgumentException | IOException e) {
            if (bundle != null) {
                bundle.close();
            }
            throw BatchException.configuration(e.getMessage(), e);
        } catch (RuntimeException e) {
            if (bundle != null) {
                bundle.close();
            }
            throw e;
        }
    }

    private static PromptSet prompts(SeedBatchOptions options, int textWidth) throws IOException {
        if (options.promptFile().isPresent()) {
            Path file = options.promptFile().get();
            if (!Files.isRegularFile(file)) {
                throw BatchException.configuration("prompt-set file " + file + " does not exist");
            }
            PromptSet set;
            try {
                set = PromptSetFile.read(Files.readAllBytes(file));
            } catch (TensorFormatException e) {
                throw BatchException.configuration("prompt-set file " + file + ": " + e.getMessage(), e);
            }
            if (set.kind() != PromptKind.MANUAL && set.embeddingWidth() != textWidth) {
                throw BatchException.configuration("prompt set " + set.id() + " has context width " + set.embeddingWidth()
                        + " but the bundle's CLIP text width is " + textWidth);
            }
            return set;
        }
        Path storeDir = options.stateDir().resolve(PromptStoreConfiguration.PROMPTS_DIR);
        // Read-only use: a missing store is not created, the built-in versions remain.
        PromptRegistry registry = Files.isDirectory(storeDir) ? new PromptStore(storeDir, textWidth) : new PromptRegistry();
        String version = options.promptVersion().orElse(registry.active().id());
        return registry.get(version).orElseThrow(() -> BatchException.configuration("no prompt version '" + version
                + "' in " + storeDir + " (available: " + String.join(", ", registry.versions()) + ")"));
    }

    private static void requireClasses(PromptSet prompts, Vocabulary vocabulary) {
        try {
            PromptSelection.of(prompts, vocabulary.classNames());
        } catch (UnknownClassException e) {
            throw BatchException.configuration("prompt version " + prompts.id() + " cannot seed the dataset's vocabulary "
                    + vocabulary.name() + ": " + e.getMessage(), e);
        }
    }

    ModelBundle bundle() {
        return bundle;
    }

    String manifestSha256() {
        return manifestSha256;
    }

    SeedPipeline pipeline() {
        return pipeline;
    }

    PromptSet prompts() {
        return prompts;
    }

    String amgProfile() {
        return amgProfile;
    }

    AmgSettings amg() {
        return amg;
    }

    @Override
    public void close() {
        bundle.close();
    }
}
