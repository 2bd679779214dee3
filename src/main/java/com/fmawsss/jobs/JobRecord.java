package com.fmawsss.jobs;

import java.time.Instant;
import java.util.Map;

/**
 * The durable state of a job (the job resource of spec §5).
 *
 * @param id job id
 * @param type job kind, e.g. {@code training}, {@code seed}
 * @param state life-cycle state
 * @param stage current stage name
 * @param iteration iterations done in the stage
 * @param iterations iterations of the stage
 * @param loss last loss, or null
 * @param imagesPerSecond recent throughput, or null
 * @param etaSeconds estimated seconds to the end of the stage, or null
 * @param learningRate learning rate of the last iteration, or null
 * @param error why the job failed, or null
 * @param result result members (e.g. {@code promptVersion}), empty until it succeeds
 * @param request the request that created the job, as JSON
 * @param createdAt creation time
 * @param updatedAt last change
 */
public record JobRecord(
        String id,
        String type,
        JobState state,
        String stage,
        long iteration,
        long iterations,
        Double loss,
        Double imagesPerSecond,
        Long etaSeconds,
        Double learningRate,
        String error,
        Map<String, String> result,
        String request,
        Instant createdAt,
        Instant updatedAt) {

    /** Copies the result map. */
    public JobRecord {
        result = result == null ? Map.of() : Map.copyOf(result);
    }

    /**
     * @param id job id
     * @param type job kind
     * @param request request JSON
     * @param now creation time
     */
    public static JobRecord queued(String id, String type, String request, Instant now) {
        return new JobRecord(id, type, JobState.QUEUED, null, 0, 0, null, null, null, null, null, Map.of(), request, now, now);
    }

    JobRecord withState(JobState newState, String newError, Instant now) {
        return new JobRecord(id, type, newState, stage, iteration, iterations, loss, imagesPerSecond, etaSeconds, learningRate,
                newError, result, request, createdAt, now);
    }

    JobRecord withProgress(ProgressReport p, Instant now) {
        return new JobRecord(id, type, state, p.stage(), p.iteration(), p.iterations(), p.loss(), p.imagesPerSecond(),
                p.etaSeconds(), p.learningRate(), error, result, request, createdAt, now);
    }

    JobRecord withResult(Map<String, String> newResult, Instant now) {
        return new JobRecord(id, type, JobState.SUCCEEDED, stage, iteration, iterations, loss, imagesPerSecond, 0L,
                learningRate, null, newResult, request, createdAt, now);
    }

    /**
     * @param stage stage name
     * @param iteration iterations done
     * @param iterations stage length
     * @param loss last loss, or null
     * @param imagesPerSecond throughput, or null
     * @param etaSeconds estimated seconds left, or null
     * @param learningRate learning rate used, or null
     */
    public record ProgressReport(
            String stage, long iteration, long iterations, Double loss, Double imagesPerSecond, Long etaSeconds,
            Double learningRate) {}
}
