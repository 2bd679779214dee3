package com.fmawsss.pipeline;

import com.fmawsss.image.DecodedImage;
import com.fmawsss.progress.Progress;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.fmawsss.scheduler.InferenceScheduler;
import com.fmawsss.scheduler.Priority;
import com.fmawsss.scheduler.TaskSpec;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;

/**
 * The one door to the device for pipeline work, whoever the caller (HTTP requests, the annotation
 * tools, seed jobs, {@code seed-batch}, the cost calibration): estimates the work with this
 * device's learned costs, puts it on the device's scheduler at the caller's priority and start
 * deadline, and hands back the submission with its live progress. Admission (refusing what cannot
 * be answered in time) is the caller's; so is what becomes of the result.
 */
public final class PipelineExecutor {

    private final FmaPipeline pipeline;
    private final InferenceScheduler scheduler;
    private final Cache<String, DecodedImage> seenImages;

    /** A door that remembers no images (batch commands, tests). */
    public PipelineExecutor(FmaPipeline pipeline, InferenceScheduler scheduler) {
        this(pipeline, scheduler, 0);
    }

    /**
     * @param seenImageBytes budget of the decoded images the door remembers by SHA-256 (their RGB
     *     bytes), so a click may name an image it sent before instead of uploading it again
     */
    public PipelineExecutor(FmaPipeline pipeline, InferenceScheduler scheduler, long seenImageBytes) {
        this.pipeline = pipeline;
        this.scheduler = scheduler;
        this.seenImages = Caffeine.newBuilder()
                .maximumWeight(seenImageBytes)
                .<String, DecodedImage>weigher((sha, image) -> image.image().rgb().length)
                .executor(Runnable::run)
                .build();
    }

    /** An image some earlier work was about, by the SHA-256 of its encoded bytes. */
    public Optional<DecodedImage> seenImage(String sha256) {
        return Optional.ofNullable(seenImages.getIfPresent(sha256));
    }

    public Estimate estimate(PipelineWork<?> work) {
        WorkShape shape = work.shape(pipeline);
        CostModel costs = pipeline.costs();
        return new Estimate(shape, costs.estimate(shape), costs.stageSeconds(shape));
    }

    /** How long work submitted now at {@code priority} would wait before it starts. */
    public Duration estimatedWait(Priority priority) {
        return scheduler.estimatedWait(priority);
    }

    public <R> PipelineSubmission<R> submit(PipelineWork<R> work, Scheduling scheduling) {
        return submit(work, scheduling, estimate(work));
    }

    /**
     * Schedules work with an estimate the caller already made (for its admission).
     *
     * @throws com.fmawsss.scheduler.QueueFullException when the priority's queue is full
     */
    public <R> PipelineSubmission<R> submit(PipelineWork<R> work, Scheduling scheduling, Estimate estimate) {
        if (work.image() != null) {
            seenImages.put(work.image().sha256(), work.image());
        }
        RunProgress progress = new RunProgress(estimate.stageSeconds());
        Progress watched = Progress.both(progress, scheduling.observer());
        CompletableFuture<R> result = scheduler.submit(
                TaskSpec.startWithin(scheduling.priority(), scheduling.startDeadline(), estimate.service()), () -> {
                    progress.started();
                    return work.run(pipeline, watched);
                });
        // Whoever ends the future early (a deadline, a cancel, a client gone) also stops the work.
        result.whenComplete((value, failure) -> {
            if (failure != null && progress.cancelReason() == null) {
                Throwable cause = PipelineSubmission.causeOf(failure);
                progress.cancel(failure instanceof CancellationException ? "cancelled"
                        : cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage());
            }
        });
        return new PipelineSubmission<>(result, progress, estimate);
    }

    /** Whether the bundle can answer clicks (it has SAM's prompt decoder). */
    public boolean answersPrompts() {
        return pipeline.superpixels().prompts().available();
    }

    /** Whether nothing waits for the device and nothing runs on it. */
    public boolean idle() {
        for (Priority priority : Priority.values()) {
            if (scheduler.queueDepth(priority) > 0) {
                return false;
            }
        }
        return scheduler.inFlight() == 0;
    }

    /** This device's learned costs. */
    public CostModel costs() {
        return pipeline.costs();
    }

    /** The device's name, for messages. */
    public String device() {
        return scheduler.device();
    }
}
