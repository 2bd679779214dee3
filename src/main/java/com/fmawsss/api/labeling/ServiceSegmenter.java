package com.fmawsss.api.labeling;

import com.fmawsss.api.inference.ApiProperties;
import com.fmawsss.api.inference.InferenceRequest;
import com.fmawsss.api.inference.InferenceService;
import com.fmawsss.api.inference.LabelMapResult;
import com.fmawsss.bundle.BundleManifest;
import com.fmawsss.bundle.BundleVerifier;
import com.fmawsss.bundle.ModelBundle;
import com.fmawsss.clip.PromptSelection;
import com.fmawsss.api.segments.SegmentRequest;
import com.fmawsss.api.segments.SegmentService;
import com.fmawsss.image.DecodedImage;
import com.fmawsss.image.ImageLimits;
import com.fmawsss.labeling.ClickMask;
import com.fmawsss.labeling.Segmentation;
import com.fmawsss.labeling.Segmenter;
import com.fmawsss.pipeline.AmgChoice;
import com.fmawsss.pipeline.AmgProfileResolver;
import com.fmawsss.pipeline.PipelineExecutor;
import com.fmawsss.pipeline.PipelineSubmission;
import com.fmawsss.problems.ApiProblem;
import com.fmawsss.problems.ProblemTypes;
import com.fmawsss.prompts.PromptRegistry;
import com.fmawsss.prompts.PromptSet;
import com.fmawsss.sam.AmgProfiles;
import com.fmawsss.sam.SamPrompt;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * The one place where the annotation-tool integrations call the inference. A request is a {@code
 * /v1/masks?refine=sams} request (same prompt choice, same scores) with the integrations'
 * mask-generation profile ({@code fma.integrations.amg-profile}: {@code auto} = {@code fast}, or
 * {@code demo} on the demo bundle, whose random SAM keeps no mask with the real thresholds).
 * Clicks (Label Studio's smart tools, CVAT's interactor) are {@code /v1/segments} requests without a
 * level or a class proposal. Interactive requests (Label Studio's predict, CVAT) go through the
 * inference service's synchronous admission (answered with {@code too-slow-for-synchronous} or {@code busy} problems when they
 * cannot finish in time); job requests wait at background priority, as seed jobs do.
 */
@Component
public class ServiceSegmenter implements Segmenter {

    private final InferenceService service;
    private final SegmentService clicks;
    private final PipelineExecutor executor;
    private final PromptRegistry prompts;
    private final AmgChoice amg;
    private final ApiProperties limits;
    private final String bundleId;

    /**
     * @param profile {@code fma.integrations.amg-profile}
     * @param bundle the loaded bundle (its manifest hash names the model)
     */
    public ServiceSegmenter(InferenceService service, SegmentService clicks, PipelineExecutor executor, PromptRegistry prompts,
            AmgProfileResolver amgProfiles, @Value("${fma.integrations.amg-profile:auto}") String profile, ApiProperties limits,
            ModelBundle bundle) {
        this.service = service;
        this.clicks = clicks;
        this.executor = executor;
        this.prompts = prompts;
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
        InferenceRequest request = new InferenceRequest(InferenceRequest.Endpoint.MASKS, image, classes,
                PromptSelection.learnedOrManual(set, classes), amg, null, Double.NaN, Set.of());
        PipelineSubmission<LabelMapResult> submission = switch (urgency) {
            case INTERACTIVE -> service.submitSynchronous(request);
            case WITHIN_TIMEOUT -> service.submitWithin(request, timeout);
            case BACKGROUND -> service.submitBackground(request, timeout);
        };
        // Cancelling the answer stops the work at the pipeline's next stage or point batch.
        return submission.map(result -> segmentation(result, set.id())).result();
    }

    @Override
    public CompletableFuture<ClickMask> click(DecodedImage image, SamPrompt prompt) {
        SegmentRequest request = new SegmentRequest(image, prompt, null, null, amg, false);
        return clicks.submitWaited(request)
                .map(result -> new ClickMask(result.width(), result.height(), result.mask(), result.predictedIou()))
                .result();
    }

    @Override
    public boolean answersClicks() {
        return clicks.answersClicks();
    }

    @Override
    public int maxPromptPoints() {
        return limits.maxPromptPoints();
    }

    @Override
    public Optional<DecodedImage> seenImage(String sha256) {
        return executor.seenImage(sha256);
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

    private static Segmentation segmentation(LabelMapResult result, String promptVersion) {
        Map<String, Double> probabilities = new HashMap<>();
        result.classScores().forEach((name, score) -> probabilities.put(name, score.probability()));
        return new Segmentation(result.width(), result.height(), result.labels(), result.classes().subList(1, result.classes().size()),
                probabilities, promptVersion);
    }
}
