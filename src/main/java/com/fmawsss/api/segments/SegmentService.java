package com.fmawsss.api.segments;

import com.fmawsss.api.inference.SynchronousAdmission;
import com.fmawsss.masks.CocoRle;
import com.fmawsss.masks.CocoRleCodec;
import com.fmawsss.pipeline.Estimate;
import com.fmawsss.pipeline.PipelineExecutor;
import com.fmawsss.pipeline.PipelineSubmission;
import com.fmawsss.pipeline.Scheduling;
import com.fmawsss.pipeline.SegmentResult;
import com.fmawsss.problems.ApiProblem;
import com.fmawsss.problems.ProblemTypes;
import com.fmawsss.sam.Boxes;
import com.fmawsss.sam.PromptMasks;
import com.fmawsss.scheduler.Priority;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;

/**
 * Admits clicks and assembles their answers. A click waits at {@link Priority#IMMEDIATE}: first
 * in line for every worker, with a lane of its own, so it never waits behind a job or a long
 * request. Like every synchronous request it is refused at once when its estimate (an encoder pass
 * and a CLIP pass on the first click of an image, the decoder alone afterwards) cannot fit the
 * synchronous limit.
 */
@Service
public class SegmentService {

    private final PipelineExecutor executor;
    private final SynchronousAdmission admission;
    private final boolean promptsSupported;

    public SegmentService(PipelineExecutor executor, SynchronousAdmission admission) {
        this.executor = executor;
        this.admission = admission;
        this.promptsSupported = executor.answersPrompts();
    }

    public Duration synchronousLimit() {
        return admission.limit();
    }

    /** Schedules a click whose client polls for the answer ({@code Prefer: respond-async}); it may wait {@code queueTimeout} to start. */
    public PipelineSubmission<SegmentResponse> submitAsynchronous(SegmentRequest request, Duration queueTimeout) {
        requirePrompts();
        return executor.submit(request.work(), Scheduling.of(Priority.ASYNC, queueTimeout)).map(result -> answer(request, result));
    }

    private void requirePrompts() {
        if (!promptsSupported) {
            throw new ApiProblem(HttpStatus.NOT_IMPLEMENTED, ProblemTypes.PROMPTS_UNSUPPORTED, "Clicks not supported",
                    "the model bundle was exported without SAM's prompt decoder (sam/prompt_decoder.pt); export it again with"
                            + " models/export.py to answer clicks", Map.of());
        }
    }

    /** Admits and schedules a click whose client waits for the answer. */
    public PipelineSubmission<SegmentResponse> submit(SegmentRequest request) {
        return submitWaited(request).map(result -> answer(request, result));
    }

    /**
     * Admits and schedules a click whose client waits, answered with the pipeline's own result (the
     * annotation tools write it in their formats).
     */
    public PipelineSubmission<SegmentResult> submitWaited(SegmentRequest request) {
        requirePrompts();
        Estimate estimate = executor.estimate(request.work());
        admission.admit(estimate, Priority.IMMEDIATE, () -> new ApiProblem(HttpStatus.UNPROCESSABLE_CONTENT,
                ProblemTypes.TOO_SLOW_FOR_SYNC, "Too slow for a synchronous answer", "this click would take about "
                        + SynchronousAdmission.ceilSeconds(estimate.service()) + " s on " + executor.device()
                        + ", more than the synchronous limit of " + admission.limit().toSeconds() + " s",
                Map.of("estimatedSeconds", SynchronousAdmission.seconds(estimate.service()),
                        "limitSeconds", admission.limit().toSeconds())));
        return executor.submit(request.work(), Scheduling.of(Priority.IMMEDIATE, admission.limit()), estimate);
    }

    /** Whether the bundle has SAM's prompt decoder. */
    public boolean answersClicks() {
        return promptsSupported;
    }

    private static SegmentResponse answer(SegmentRequest request, SegmentResult result) {
        int width = result.width();
        int height = result.height();
        CocoRle mask = CocoRle.encode(result.mask(), height, width);
        SegmentResponse.Proposal proposal = null;
        if (result.proposal() != null) {
            SegmentResult.ClassProposal p = result.proposal();
            List<SegmentResponse.ClassScore> scores = new ArrayList<>();
            for (int c = 0; c < p.classes().size(); c++) {
                scores.add(new SegmentResponse.ClassScore(p.classes().get(c), p.scores()[c]));
            }
            scores.sort(Comparator.comparingDouble(SegmentResponse.ClassScore::score).reversed());
            proposal = new SegmentResponse.Proposal(p.name(), p.score(), p.background(), scores,
                    request.selection().promptSet().id());
        }
        List<SegmentResponse.Candidate> candidates = null;
        if (request.candidates() && result.candidates() != null) {
            PromptMasks all = result.candidates();
            candidates = new ArrayList<>();
            for (int level = 0; level < 3; level++) {
                int output = PromptMasks.ofLevel(level);
                CocoRle candidate = CocoRle.encode(all.masks().get(output), height, width);
                candidates.add(new SegmentResponse.Candidate(output, SegmentRequestReader.LEVELS.get(level),
                        CocoRleCodec.toWire(candidate), candidate.area(), all.predictedIou()[output], all.stability()[output]));
            }
        }
        long area = mask.area();
        return new SegmentResponse(
                new SegmentResponse.Image(request.image().sha256(), width, height),
                CocoRleCodec.toWire(mask), area, area == 0 ? null : Boxes.ofMask(result.mask(), width, height),
                result.predictedIou(), result.stability(), result.samOutput() < 0 ? "superpixel" : "sam",
                result.samOutput() < 0 ? null : result.samOutput(),
                result.level() == null ? null : SegmentRequestReader.LEVELS.get(result.level()), proposal, candidates,
                new SegmentResponse.Cached(result.embeddingCached(),
                        result.proposal() == null ? null : result.proposal().camsCached()),
                result.timingsMillis());
    }
}
