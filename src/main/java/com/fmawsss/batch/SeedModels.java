package com.fmawsss.batch;

import com.fmawsss.bundle.BundleException;
import com.fmawsss.bundle.BundleManifest;
import com.fmawsss.bundle.BundleVerifier;
import com.fmawsss.bundle.Devices;
import com.fmawsss.bundle.ModelBundle;
import com.fmawsss.clip.PromptSelection;
import com.fmawsss.clip.UnknownClassException;
import com.fmawsss.io.Sha256;
import com.fmawsss.pipeline.AmgChoice;
import com.fmawsss.pipeline.ModelSetup;
import com.fmawsss.pipeline.PipelineExecutor;
import com.fmawsss.pipeline.StageMetrics;
import com.fmawsss.prompts.PromptKind;
import com.fmawsss.prompts.PromptRegistry;
import com.fmawsss.prompts.PromptSet;
import com.fmawsss.prompts.PromptSetFile;
import com.fmawsss.prompts.Vocabulary;
import com.fmawsss.sam.AmgSettings;
import com.fmawsss.scheduler.InferenceScheduler;
import com.fmawsss.scheduler.SchedulerProperties;
import com.fmawsss.tensors.TensorFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The models of a shard, set up by {@link ModelSetup} exactly as the service sets up its own (same
 * bundle loading, precision from {@code --dtype}/{@code FMA_DTYPE}, prompt store, pipeline and
 * mask-generation profiles), without a Spring context: the verified bundle on its device, the
 * pipeline over it behind its own device scheduler, the pinned prompt set and the mask-generation
 * settings. Everything that cannot be right by retrying is a {@link ExitCodes#CONFIGURATION} error.
 */
final class SeedModels implements AutoCloseable {

    private final ModelBundle bundle;
    private final String manifestSha256;
    private final InferenceScheduler scheduler;
    private final PipelineExecutor executor;
    private final PromptSet prompts;
    private final String amgProfile;
    private final AmgSettings amg;

    private SeedModels(ModelBundle bundle, String manifestSha256, PromptSet prompts, String amgProfile, AmgSettings amg) {
        this.bundle = bundle;
        this.manifestSha256 = manifestSha256;
        // No superpixel cache: a dataset pass sees every image once.
        this.scheduler = new InferenceScheduler(Devices.name(bundle.device()), SchedulerProperties.defaults());
        this.executor = new PipelineExecutor(ModelSetup.pipeline(bundle, 0, null, 0, StageMetrics.NONE), scheduler);
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
        ModelSetup.Settings settings = new ModelSetup.Settings(packagedDemo ? null : Path.of(options.bundle()),
                options.stateDir(), options.device(), options.dtype(), options.dtypeMaxError(), options.threads(), 0);
        ModelBundle bundle = null;
        try {
            bundle = ModelSetup.loadBundle(settings, verifier, SeedModels.class.getClassLoader());
            String manifestSha256 = Sha256.hex(bundle.directory().resolve(BundleManifest.FILE_NAME));
            AmgChoice amg = ModelSetup.amgProfiles(bundle, options.amgProfile(), Map.of()).resolve(null, null);
            PromptSet prompts = prompts(options, bundle);
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

    private static PromptSet prompts(SeedBatchOptions options, ModelBundle bundle) throws IOException {
        int textWidth = bundle.manifest().clip().textWidth();
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
        PromptRegistry registry = ModelSetup.existingPrompts(options.stateDir(), bundle);
        String version = options.promptVersion().orElse(registry.active().id());
        return registry.get(version).orElseThrow(() -> BatchException.configuration("no prompt version '" + version
                + "' in " + options.stateDir().resolve(ModelSetup.PROMPTS_DIR) + " (available: "
                + String.join(", ", registry.versions()) + ")"));
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

    PipelineExecutor executor() {
        return executor;
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
        scheduler.close();
        bundle.close();
    }
}
