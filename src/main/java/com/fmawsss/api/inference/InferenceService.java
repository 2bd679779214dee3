package com.fmawsss.api.inference;

import com.fmawsss.api.inference.LabelMapResponse.ClassScore;
import com.fmawsss.bundle.ModelBundle;
import com.fmawsss.cam.CamResult;
import com.fmawsss.pipeline.AmgChoice;
import com.fmawsss.pipeline.AmgProfileResolver;
import com.fmawsss.pipeline.Estimate;
import com.fmawsss.pipeline.PipelineExecutor;
import com.fmawsss.pipeline.PipelineResult;
import com.fmawsss.pipeline.PipelineSubmission;
import com.fmawsss.pipeline.Scheduling;
import com.fmawsss.problems.ApiProblem;
import com.fmawsss.problems.ProblemTypes;
import com.fmawsss.sam.AmgProfiles;
import com.fmawsss.scheduler.Priority;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;

/**
 * Admits inference requests and assembles their answers; the work itself goes through the
 * {@link PipelineExecutor}, the controllers bind and render. A synchronous request is admitted only
 * when its estimated service time, plus the estimated work queued ahead of it, fits the synchronous
 * limit ({@code fma.scheduler.request-timeout}); otherwise it is answered at once with the estimate
 * and how to get the result. Once running it is never cut off by a deadline; it stops when nobody
 * waits for it any more (client gone, request cancelled) at the pipeline's next check.
 */
@Service
public class InferenceService {

    private final PipelineExecutor executor;
    private final SynchronousAdmission admission;
    private final AmgProfileResolver amgProfiles;
    private final ResponseMetadata metadata;

    public InferenceService(PipelineExecutor executor, SynchronousAdmission admission, AmgProfileResolver amgProfiles,
            ModelBundle bundle) {
        this.executor = executor;
        this.admission = admission;
        this.amgProfiles = amgProfiles;
        this.metadata = new ResponseMetadata(bundle);
    }

    /** The synchronous limit: estimated queue wait plus service time must fit it. */
    public Duration synchronousLimit() {
        return admission.limit();
    }

    public Estimate estimate(InferenceRequest request) {
        return executor.estimate(request.work());
    }

    /**
     * Admits and schedules a request whose client waits for the answer.
     *
     * @throws ApiProblem 422 {@code too-slow-for-synchronous} when the request alone would exceed the
     *     limit; 503 {@code busy} with Retry-After when the work queued ahead would make it miss it
     */
    public PipelineSubmission<LabelMapResult> submitSynchronous(InferenceRequest request) {
        Estimate estimate = estimate(request);
        Duration limit = synchronousLimit();
        admission.admit(estimate, Priority.INTERACTIVE, () -> tooSlow(request, estimate, limit));
        return submit(request, Scheduling.of(Priority.INTERACTIVE, limit), estimate);
    }

    /**
     * Schedules a request whose client waits up to {@code budget} and would rather wait than be
     * refused (CVAT's whole-task annotation stops at the first refused frame). Of the request's
     * mask-generation profile and the cheaper ones, the first whose estimate fits the budget behind
     * the work queued ahead is chosen, else the first that fits the budget alone; it waits at
     * interactive priority for at most what the budget leaves after its estimate.
     *
     * @param budget the time the client waits, from now
     * @throws ApiProblem 422 {@code too-slow-for-synchronous} when no profile fits the budget even on an idle device
     */
    public PipelineSubmission<LabelMapResult> submitWithin(InferenceRequest request, Duration budget) {
        Estimate requested = estimate(request);
        List<InferenceRequest> candidates = new ArrayList<>(List.of(request));
        List<Estimate> estimates = new ArrayList<>(List.of(requested));
        for (String profile : List.of(AmgProfiles.BALANCED, AmgProfiles.FAST)) {
            if (request.sams() && !profile.equals(request.amg().profile())) {
                InferenceRequest cheaper = request.withAmg(amgProfiles.resolve(profile, null));
                Estimate estimate = estimate(cheaper);
                if (estimate.service().compareTo(requested.service()) < 0) {
                    candidates.add(cheaper);
                    estimates.add(estimate);
                }
            }
        }
        Duration wait = executor.estimatedWait(Priority.INTERACTIVE);
        int chosen = -1;
        for (int i = 0; i < candidates.size() && chosen < 0; i++) {
            chosen = wait.plus(estimates.get(i).service()).compareTo(budget) <= 0 ? i : -1;
        }
        for (int i = 0; i < candidates.size() && chosen < 0; i++) {
            chosen = estimates.get(i).service().compareTo(budget) <= 0 ? i : -1;
        }
        if (chosen < 0) {
            executor.costs().noteRefusal();
            throw tooSlow(request, requested, budget);
        }
        Estimate estimate = estimates.get(chosen);
        return submit(candidates.get(chosen), Scheduling.of(Priority.INTERACTIVE, budget.minus(estimate.service())), estimate);
    }

    /** Schedules a request whose client polls for the answer; it may wait {@code queueTimeout} to start. */
    public PipelineSubmission<LabelMapResult> submitAsynchronous(InferenceRequest request, Duration queueTimeout) {
        return submit(request, Scheduling.of(Priority.ASYNC, queueTimeout), estimate(request));
    }

    /** Schedules a request of a job (runs when no request waits); it may wait {@code startDeadline} to start. */
    public PipelineSubmission<LabelMapResult> submitBackground(InferenceRequest request, Duration startDeadline) {
        return submit(request, Scheduling.of(Priority.BACKGROUND, startDeadline), estimate(request));
    }

    private PipelineSubmission<LabelMapResult> submit(InferenceRequest request, Scheduling scheduling, Estimate estimate) {
        return executor.submit(request.work(), scheduling, estimate).map(result -> answer(request, result));
    }

    private LabelMapResult answer(InferenceRequest request, PipelineResult seed) {
        var image = request.image();
        AmgChoice amg = request.amg();
        List<String> table = new ArrayList<>();
        table.add("background");
        table.addAll(request.classes());
        CamResult cams = seed.cams();
        ResponseMetadata.Metadata meta = cams == null
                ? metadata.ofScores(seed.alpha(), amg, image, request.scores().shape())
                : metadata.ofPrompts(request.selection().promptSet(), cams.settings(), seed.alpha(), amg, image,
                        cams.inputHeight(), cams.inputWidth());
        return new LabelMapResult(image.image().width(), image.image().height(), seed.seedMap().labels(), table,
                cams == null ? Map.of() : classScores(request.selection().names(), cams.logits()), seed.timingsMillis(), meta,
                request.include().contains("cams") ? cams.toNpz() : null,
                request.include().contains("superpixels") ? seed.superpixels() : null);
    }

    /** Softmax over the present classes' logits. */
    static Map<String, ClassScore> classScores(List<String> names, float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < names.size(); i++) {
            max = Math.max(max, logits[i]);
        }
        double sum = 0;
        for (int i = 0; i < names.size(); i++) {
            sum += Math.exp(logits[i] - max);
        }
        Map<String, ClassScore> scores = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            scores.put(names.get(i), new ClassScore(logits[i], Math.exp(logits[i] - max) / sum));
        }
        return scores;
    }

    private ApiProblem tooSlow(InferenceRequest request, Estimate estimate, Duration limit) {
        List<Map<String, Object>> faster = new ArrayList<>();
        if (request.sams()) {
            for (String profile : List.of(AmgProfiles.BALANCED, AmgProfiles.FAST)) {
                Estimate alternative = estimate(request.withAmg(amgProfiles.resolve(profile, null)));
                if (alternative.service().compareTo(estimate.service()) < 0) {
                    faster.add(Map.of("amg", profile, "estimatedSeconds", seconds(alternative.service()),
                            "fitsSynchronousLimit", alternative.service().compareTo(limit) <= 0));
                }
            }
        }
        String hint = faster.stream()
                .filter(f -> (Boolean) f.get("fitsSynchronousLimit"))
                .map(f -> ", or choose 'amg=" + f.get("amg") + "' (about " + f.get("estimatedSeconds") + " s)")
                .findFirst().orElse("");
        return new ApiProblem(HttpStatus.UNPROCESSABLE_CONTENT, ProblemTypes.TOO_SLOW_FOR_SYNC,
                "Too slow for a synchronous answer",
                "this request would take about " + ceilSeconds(estimate.service()) + " s on " + executor.device()
                        + " (mask generation '" + request.amg().profile() + "'), more than the synchronous limit of "
                        + limit.toSeconds() + " s; send it with 'Prefer: respond-async' and poll the Location" + hint,
                Map.of("estimatedSeconds", seconds(estimate.service()), "limitSeconds", limit.toSeconds(),
                        "amg", request.amg().profile(), "fasterProfiles", faster, "async", "Prefer: respond-async"));
    }

    private static double seconds(Duration d) {
        return SynchronousAdmission.seconds(d);
    }

    private static long ceilSeconds(Duration d) {
        return SynchronousAdmission.ceilSeconds(d);
    }
}
