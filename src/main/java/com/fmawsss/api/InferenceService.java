package com.fmawsss.api;

import com.fmawsss.api.LabelMapResponse.ClassScore;
import com.fmawsss.bundle.ModelBundle;
import com.fmawsss.cam.CamResult;
import com.fmawsss.ops.scheduler.InferenceScheduler;
import com.fmawsss.ops.scheduler.Priority;
import com.fmawsss.ops.scheduler.SchedulerProperties;
import com.fmawsss.ops.scheduler.TaskSpec;
import com.fmawsss.pipeline.AmgChoice;
import com.fmawsss.pipeline.AmgProfileResolver;
import com.fmawsss.pipeline.RequestProgress;
import com.fmawsss.pipeline.SeedPipeline;
import com.fmawsss.pipeline.SeedResult;
import com.fmawsss.pipeline.WorkShape;
import com.fmawsss.problems.ApiProblem;
import com.fmawsss.problems.ProblemTypes;
import com.fmawsss.progress.Stage;
import com.fmawsss.sam.AmgProfiles;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;

/**
 * Estimates, admits, schedules and assembles inference requests: the pipeline does the work, the
 * controllers bind and render. A synchronous request is admitted only when its estimated service
 * time, plus the estimated work queued ahead of it, fits the synchronous limit ({@code
 * fma.scheduler.request-timeout}); otherwise it is answered at once with the estimate and how to
 * get the result. Once running it is never cut off by a deadline; it stops when nobody waits for it
 * any more (client gone, request cancelled) at the pipeline's next check.
 */
@Service
public class InferenceService {

    /** Estimated service time of one request. */
    public record Estimate(WorkShape shape, Duration service, Map<Stage, Double> stageSeconds) {}

    /** A scheduled request: its result, its live progress and the estimate it was admitted with. */
    public record Submission(CompletableFuture<LabelMapResult> result, RequestProgress progress, Estimate estimate) {

        /** Stops the work at its next check and fails the result with a cancellation. */
        public void cancel(String reason) {
            progress.cancel(reason);
            result.cancel(false);
        }
    }

    private final SeedPipeline pipeline;
    private final InferenceScheduler scheduler;
    private final SchedulerProperties schedulerProperties;
    private final AmgProfileResolver amgProfiles;
    private final ResponseMetadata metadata;

    public InferenceService(SeedPipeline pipeline, InferenceScheduler scheduler, AmgProfileResolver amgProfiles,
            ModelBundle bundle) {
        this.pipeline = pipeline;
        this.scheduler = scheduler;
        this.schedulerProperties = scheduler.properties();
        this.amgProfiles = amgProfiles;
        this.metadata = new ResponseMetadata(bundle);
    }

    /** The synchronous limit: estimated queue wait plus service time must fit it. */
    public Duration synchronousLimit() {
        return schedulerProperties.requestTimeout();
    }

    public Estimate estimate(InferenceRequest request) {
        return estimate(request, request.amg());
    }

    private Estimate estimate(InferenceRequest request, AmgChoice amg) {
        var image = request.image();
        boolean cached = amg != null && pipeline.superpixelsCached(image.sha256(), amg.settings());
        WorkShape shape = pipeline.shape(image.image(), request.classes().size(),
                request.endpoint() != InferenceRequest.Endpoint.REFINE, amg == null ? null : amg.settings(), cached);
        Duration service = pipeline.costs().estimate(shape);
        return new Estimate(shape, service, pipeline.costs().stageSeconds(shape));
    }

    /**
     * Admits and schedules a request whose client waits for the answer.
     *
     * @throws ApiProblem 422 {@code too-slow-for-synchronous} when the request alone would exceed the
     *     limit; 503 {@code busy} with Retry-After when the work queued ahead would make it miss it
     */
    public Submission submitSynchronous(InferenceRequest request) {
        Estimate estimate = estimate(request);
        Duration limit = synchronousLimit();
        if (estimate.service().compareTo(limit) > 0) {
            pipeline.costs().noteRefusal();
            throw tooSlow(request, estimate, limit);
        }
        Duration wait = scheduler.estimatedWait(Priority.INTERACTIVE);
        if (wait.plus(estimate.service()).compareTo(limit) > 0) {
            long retry = Math.max(1, ceilSeconds(wait));
            throw new ApiProblem(HttpStatus.SERVICE_UNAVAILABLE, ProblemTypes.BUSY, "Busy",
                    "the work queued ahead needs about " + retry + " s and this request about "
                            + ceilSeconds(estimate.service()) + " s, more than the synchronous limit of "
                            + limit.toSeconds() + " s; retry after " + retry + " s, or send it with 'Prefer: respond-async'",
                    Map.of("retryAfterSeconds", retry, "estimatedSeconds", seconds(estimate.service()),
                            "queuedAheadSeconds", seconds(wait), "limitSeconds", limit.toSeconds()), retry);
        }
        return submit(request, estimate, TaskSpec.startWithin(Priority.INTERACTIVE, limit, estimate.service()));
    }

    /** Schedules a request whose client polls for the answer; it may wait {@code queueTimeout} to start. */
    public Submission submitAsynchronous(InferenceRequest request, Duration queueTimeout) {
        Estimate estimate = estimate(request);
        return submit(request, estimate, TaskSpec.startWithin(Priority.ASYNC, queueTimeout, estimate.service()));
    }

    private Submission submit(InferenceRequest request, Estimate estimate, TaskSpec spec) {
        RequestProgress progress = new RequestProgress(estimate.stageSeconds());
        CompletableFuture<LabelMapResult> result = scheduler.submit(spec, () -> execute(request, progress));
        // Whoever ends the future early (a deadline, a cancel, a client gone) also stops the work.
        result.whenComplete((value, failure) -> {
            if (failure != null && progress.cancelReason() == null) {
                progress.cancel(failure instanceof CancellationException ? "cancelled" : reasonOf(failure));
            }
        });
        return new Submission(result, progress, estimate);
    }

    private static String reasonOf(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    }

    private LabelMapResult execute(InferenceRequest request, RequestProgress progress) {
        progress.started();
        var image = request.image();
        AmgChoice amg = request.amg();
        SeedResult seed = switch (request.endpoint()) {
            case MASKS -> request.sams()
                    ? pipeline.seed(image.image(), image.sha256(), request.selection(), amg.settings(), progress)
                    : pipeline.camLabels(image.image(), request.selection(), progress);
            case SEEDS -> pipeline.seed(image.image(), image.sha256(), request.selection(), amg.settings(), progress);
            case REFINE -> pipeline.refineScores(image.image(), image.sha256(), request.scores(), request.alpha(),
                    amg.settings(), progress);
        };
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

    /** Softmax over the present classes' logits (also used for the annotation tools' background work). */
    public static Map<String, ClassScore> classScores(List<String> names, float[] logits) {
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
                Estimate alternative = estimate(request, amgProfiles.resolve(profile, null));
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
                "this request would take about " + ceilSeconds(estimate.service()) + " s on " + scheduler.device()
                        + " (mask generation '" + request.amg().profile() + "'), more than the synchronous limit of "
                        + limit.toSeconds() + " s; send it with 'Prefer: respond-async' and poll the Location" + hint,
                Map.of("estimatedSeconds", seconds(estimate.service()), "limitSeconds", limit.toSeconds(),
                        "amg", request.amg().profile(), "fasterProfiles", faster, "async", "Prefer: respond-async"));
    }

    private static double seconds(Duration d) {
        return Math.round(d.toMillis() / 100.0) / 10.0;
    }

    private static long ceilSeconds(Duration d) {
        return (d.toMillis() + 999) / 1000;
    }
}
