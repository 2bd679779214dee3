package com.fmawsss.api.requests;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/**
 * What {@code GET /v1/requests/{id}} says about an asynchronous request while it is not finished,
 * and {@code GET /v1/requests/{id}/status} at any time (schema {@code RequestStatus}).
 *
 * @param state {@code queued}, {@code running}, {@code succeeded}, {@code failed}, {@code
 *     cancelled} or {@code interrupted} (the service restarted before it finished)
 * @param location where to poll and, once it succeeded, fetch the result
 * @param stage the pipeline stage running now ({@code clip_encode}, ..., {@code sam_decode}, {@code sams})
 * @param progress units of that stage and the overall percentage (cost-weighted over all stages)
 * @param estimatedSeconds estimated service time at submission, from this device's measured costs
 * @param etaSeconds estimated seconds until the result, queue included
 * @param amg the mask-generation profile
 * @param error the problem's {@code detail} when it failed
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RequestStatus(
        String id,
        String endpoint,
        String state,
        String location,
        Instant createdAt,
        Instant finishedAt,
        Instant expiresAt,
        String stage,
        StageProgress progress,
        Double queuedSeconds,
        Double runningSeconds,
        Double estimatedSeconds,
        Double etaSeconds,
        String amg,
        String error) {

    /** @param unit what {@code done}/{@code total} count: {@code points}, {@code crops} or {@code classes} */
    public record StageProgress(long done, long total, String unit, double percent) {}

    /** Seconds a client should wait before polling again. */
    @JsonIgnore
    public long pollAfterSeconds() {
        if (etaSeconds == null) {
            return 1;
        }
        return Math.max(1, Math.min(10, Math.round(etaSeconds / 10)));
    }
}
