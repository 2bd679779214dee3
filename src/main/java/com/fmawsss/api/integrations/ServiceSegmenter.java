package com.fmawsss.api.integrations;

import com.fmawsss.api.ApiProperties;
import com.fmawsss.api.InferenceRequest;
import com.fmawsss.api.InferenceService;
import com.fmawsss.api.LabelMapResult;
import com.fmawsss.bundle.BundleManifest;
import com.fmawsss.bundle.BundleVerifier;
import com.fmawsss.bundle.ModelBundle;
import com.fmawsss.clip.PromptSelection;
import com.fmawsss.image.DecodedImage;
import com.fmawsss.image.ImageLimits;
import com.fmawsss.integrations.Segmentation;
import com.fmawsss.integrations.Segmenter;
import com.fmawsss.ops.scheduler.InferenceScheduler;
import com.fmawsss.ops.scheduler.Priority;
import com.fmawsss.ops.scheduler.TaskSpec;
import com.fmawsss.pipeline.AmgChoice;
import com.fmawsss.pipeline.AmgProfileResolver;
import com.fmawsss.pipeline.SeedPipeline;
import com.fmawsss.pipeline.SeedResult;
import com.fmawsss.problems.ApiProblem;
import com.fmawsss.progress.Progress;
import com.fmawsss.progress.WorkCancelledException;
import com.fmawsss.problems.ProblemTypes;
import com.fmawsss.prompts.PromptKind;
import com.fmawsss.prompts.PromptRegistry;
import com.fmawsss.prompts.PromptSet;
import com.fmawsss.sam.AmgProfiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * The one place where the annotation-tool integrations call the inference. A request is a {@code
 * /v1/masks?refine=sams} request (same prompt choice, same scores) with the integrations'
 * mask-generation profile ({@code fma.integrations.amg-profile}: {@code auto} = {@code fast}, or
 * {@code demo} on the demo bundle, whose random SAM keeps no mask with the real thresholds).
 * Interactive requests (Label Studio's predict, CVAT) go through the inference service's synchronous
 * admission (answered with {@code too-slow-for-synchronous} or {@code busy} problems when they
 * cannot finish in time); job requests run the same pipeline at background priority, as the seed
 * job does.
 */
@Component
public class ServiceSegmenter implements Segmenter {

    private final InferenceService service;
    private final PromptRegistry prompts;
    private final SeedPipeline pipeline;
    private final InferenceScheduler scheduler;
    private final AmgChoice amg;
    private final ApiProperties limits;
    private final String bundleId;

    /**
     * Creates the adapter.
     *
     * @param service the inference service
     * @param prompts prompt versions
     * @param pipeline the pipeline (background work)
     * @param scheduler the device scheduler (background work)
     * @param amgProfiles mask-generation profiles
     * @param profile {@code fma.integrations.amg-profile}
     * @param limits request limits
     * @param bundle the loaded bundle (its manifest hash names the model)
     */
    public ServiceSegmenter(InferenceService service, PromptRegistry prompts, SeedPipeline pipeline, InferenceScheduler scheduler,
            AmgProfileResolver amgProfiles, @Value("${fma.integrations.amg-profile:auto}") String profile, ApiProperties limits,
            ModelBundle bundle) {
        this.service = service;
        this.prompts = prompts;
        this.pipeline = pipeline;
        this.scheduler = scheduler;
        this.amg = amgProfiles.resolve("auto".equals(profile)
                ? AmgProfiles.DEMO.equals(amgProfiles.defaultProfile()) ? AmgProfiles.DEMO : AmgProfiles.FAST
                : profile, null);
        this.limits = limits;
        try {
            this.bundleId = BundleVerifier.sha256(bundle.directory().resolve(BundleManifest.FILE_NAME)).substring(0, 12);
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
        // The prompt choice of /v1/masks: learned prompts only when the set knows every class.
        PromptSelection selection = set.kind() != PromptKind.MANUAL && classes.stream().allMatch(c -> set.vocabulary().indexOf(c) >= 0)
                ? PromptSelection.of(set, classes)
                : PromptSelection.of(PromptSet.manual(set.vocabulary()), classes);
        InferenceRequest request = new InferenceRequest(InferenceRequest.Endpoint.MASKS, image, classes, selection, amg, null,
                Double.NaN, Set.of());
        if (urgency == Urgency.INTERACTIVE) {
            InferenceService.Submission submission = service.submitSynchronous(request);
            CompletableFuture<Segmentation> answer = submission.result().thenApply(result -> fromResult(result, set.id()));
            onCancel(answer, () -> submission.cancel("the annotation tool stopped waiting"));
            return answer;
        }
        Duration estimate = service.estimate(request).service();
        AtomicBoolean stopped = new AtomicBoolean();
        // Cancelling the answer stops the work at the pipeline's next stage or point batch, as for a seed job.
        Progress cancellable = new Progress() {
            @Override
            public void checkCancelled() {
                if (stopped.get()) {
                    throw new WorkCancelledException("the pre-annotation job stopped waiting");
                }
            }
        };
        CompletableFuture<SeedResult> work = scheduler.submit(TaskSpec.startWithin(Priority.BACKGROUND, timeout, estimate),
                () -> pipeline.seed(image.image(), image.sha256(), selection, amg.settings(), cancellable));
        CompletableFuture<Segmentation> answer = work.thenApply(seed -> fromSeed(image, seed, selection, set.id()));
        onCancel(answer, () -> {
            stopped.set(true);
            work.cancel(true);
        });
        return answer;
    }

    /** A derived future does not cancel its source: the caller's cancel must reach the work itself. */
    private static void onCancel(CompletableFuture<?> answer, Runnable stop) {
        answer.whenComplete((value, failure) -> {
            if (answer.isCancelled()) {
                stop.run();
            }
        });
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
        result.classScores().forEach((name, score) -> probabilities.put(name, score.probability()));
        return new Segmentation(result.width(), result.height(), result.labels(), result.classes().subList(1, result.classes().size()),
                probabilities, promptVersion);
    }

    /** The class scores of /v1/masks, from the same softmax. */
    private static Segmentation fromSeed(DecodedImage image, SeedResult seed, PromptSelection selection, String promptVersion) {
        Map<String, Double> probabilities = new HashMap<>();
        InferenceService.classScores(selection.names(), seed.cams().logits())
                .forEach((name, score) -> probabilities.put(name, score.probability()));
        return new Segmentation(image.image().width(), image.image().height(), seed.seedMap().labels(), selection.names(),
                probabilities, promptVersion);
    }
}
