package com.fmawsss.api.integrations;

import com.fmawsss.api.ApiProperties;
import com.fmawsss.api.InferenceService;
import com.fmawsss.api.LabelMapResult;
import com.fmawsss.bundle.BundleManifest;
import com.fmawsss.bundle.ModelBundle;
import com.fmawsss.clip.PromptSelection;
import com.fmawsss.image.DecodedImage;
import com.fmawsss.image.ImageLimits;
import com.fmawsss.integrations.Segmentation;
import com.fmawsss.integrations.Segmenter;
import com.fmawsss.ops.scheduler.InferenceScheduler;
import com.fmawsss.ops.scheduler.Priority;
import com.fmawsss.pipeline.SeedPipeline;
import com.fmawsss.pipeline.SeedResult;
import com.fmawsss.problems.ApiProblem;
import com.fmawsss.problems.ProblemTypes;
import com.fmawsss.prompts.PromptKind;
import com.fmawsss.prompts.PromptRegistry;
import com.fmawsss.prompts.PromptSet;
import com.fmawsss.sam.AmgSettings;
import com.fmawsss.sam.QuasiSuperpixelCache;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.springframework.stereotype.Component;

/**
 * The one place where the annotation-tool integrations call the inference: interactive requests
 * go through {@link InferenceService#masks} exactly as {@code /v1/masks?refine=sams} (same prompt
 * choice, same scores); job requests run the same pipeline at background priority, as the seed job
 * does. When the inference service gains per-request priorities and mask-generation profiles, only
 * this class changes (the integrations should then ask for the fast profile).
 */
@Component
public class ServiceSegmenter implements Segmenter {

    private final InferenceService service;
    private final PromptRegistry prompts;
    private final SeedPipeline pipeline;
    private final InferenceScheduler scheduler;
    private final AmgSettings amg;
    private final ApiProperties limits;
    private final String bundleId;

    /**
     * Creates the adapter.
     *
     * @param service the inference service
     * @param prompts prompt versions
     * @param pipeline the pipeline (background work)
     * @param scheduler the device scheduler (background work)
     * @param amg mask-generation settings
     * @param limits request limits
     * @param bundle the loaded bundle (its manifest hash names the model)
     */
    public ServiceSegmenter(InferenceService service, PromptRegistry prompts, SeedPipeline pipeline, InferenceScheduler scheduler,
            AmgSettings amg, ApiProperties limits, ModelBundle bundle) {
        this.service = service;
        this.prompts = prompts;
        this.pipeline = pipeline;
        this.scheduler = scheduler;
        this.amg = amg;
        this.limits = limits;
        try {
            byte[] manifest = Files.readAllBytes(bundle.directory().resolve(BundleManifest.FILE_NAME));
            this.bundleId = QuasiSuperpixelCache.sha256(manifest).substring(0, 12);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public CompletableFuture<Segmentation> segment(DecodedImage image, List<String> classes, String promptVersion, Urgency urgency,
            Duration timeout) {
        PromptSet set = promptVersion == null ? prompts.active() : prompts.get(promptVersion).orElseThrow(
                () -> ApiProblem.unprocessable(ProblemTypes.UNKNOWN_PROMPT_VERSION, "Unknown prompt version",
                        "no prompt version '" + promptVersion + "'"));
        if (urgency == Urgency.INTERACTIVE) {
            return service.masks(image, classes, set, true).thenApply(result -> fromResult(result, set.id()));
        }
        // The same prompt choice as InferenceService#masks: learned prompts only when the set knows every class.
        PromptSelection selection = set.kind() != PromptKind.MANUAL && classes.stream().allMatch(c -> set.vocabulary().indexOf(c) >= 0)
                ? PromptSelection.of(set, classes)
                : PromptSelection.of(PromptSet.manual(set.vocabulary()), classes);
        return scheduler.submit(Priority.BACKGROUND, timeout, () -> pipeline.seed(image.image(), image.sha256(), selection, amg))
                .thenApply(seed -> fromSeed(image, seed, selection, set.id()));
    }

    @Override
    public PromptSet activePromptSet() {
        return prompts.active();
    }

    @Override
    public PromptSet promptSet(String version) {
        return prompts.get(version).orElse(null);
    }

    @Override
    public String modelVersion(String promptVersion) {
        return "fma-wsss-" + bundleId + "-" + (promptVersion == null ? prompts.active().id() : promptVersion);
    }

    @Override
    public int maxClasses() {
        return limits.maxClasses();
    }

    @Override
    public int maxClassNameLength() {
        return limits.maxClassNameLength();
    }

    @Override
    public ImageLimits imageLimits() {
        return new ImageLimits(limits.maxPixels(), limits.minSide(), Long.MAX_VALUE);
    }

    private static Segmentation fromResult(LabelMapResult result, String promptVersion) {
        Map<String, Double> probabilities = new HashMap<>();
        result.classScores().forEach((name, scores) -> probabilities.put(name, ((Number) scores.get("probability")).doubleValue()));
        return new Segmentation(result.width(), result.height(), result.labels(), result.classes().subList(1, result.classes().size()),
                probabilities, promptVersion);
    }

    private static Segmentation fromSeed(DecodedImage image, SeedResult seed, PromptSelection selection, String promptVersion) {
        float[] logits = seed.cams().logits();
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double sum = 0;
        for (float l : logits) {
            sum += Math.exp(l - max);
        }
        Map<String, Double> probabilities = new HashMap<>();
        for (int i = 0; i < selection.present(); i++) {
            probabilities.put(selection.names().get(i), Math.exp(logits[i] - max) / sum);
        }
        return new Segmentation(image.image().width(), image.image().height(), seed.seedMap().labels(), selection.names(),
                probabilities, promptVersion);
    }
}
