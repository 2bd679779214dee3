package com.fmawsss.api.requests;

import com.fmawsss.pipeline.PipelineSubmission;
import com.fmawsss.pipeline.RunProgress;
import com.fmawsss.progress.Stage;
import java.time.Duration;
import java.time.Instant;

/** What a client sees of an asynchronous request: its record, and while it is pending its live progress. */
final class RequestStatusView {

    private RequestStatusView() {}

    /**
     * @param submission the live work, {@code null} once finished (or after a restart)
     * @param queuedAhead estimated wait of work submitted now at the request's priority
     * @param resultTtl how long a finished outcome is kept
     */
    static RequestStatus of(AsyncRecord record, PipelineSubmission<?> submission, Instant now, Duration queuedAhead,
            Duration resultTtl) {
        AsyncState state = record.state();
        String stage = null;
        RequestStatus.StageProgress progress = null;
        Double queued = null;
        Double running = null;
        Double eta = null;
        if (submission != null && !state.finished()) {
            RunProgress.Snapshot snapshot = submission.progress().snapshot();
            double elapsed = Duration.between(record.createdAt(), now).toMillis() / 1000.0;
            if (submission.progress().isStarted()) {
                state = AsyncState.RUNNING;
                running = round(snapshot.running().toMillis() / 1000.0);
                queued = round(Math.max(0, elapsed - running));
                eta = snapshot.remaining() == null ? null : round(snapshot.remaining().toMillis() / 1000.0);
            } else {
                queued = round(elapsed);
                eta = round(queuedAhead.plus(submission.estimate().service()).toMillis() / 1000.0);
            }
            if (snapshot.stage() != null) {
                stage = snapshot.stage().tag();
            }
            progress = new RequestStatus.StageProgress(snapshot.stageDone(), snapshot.stageTotal(), unit(snapshot.stage()),
                    round(snapshot.percent()));
        }
        Instant expires = state.finished() && record.finishedAt() != null ? record.finishedAt().plus(resultTtl) : null;
        return new RequestStatus(record.id(), record.endpoint(), state.tag(), location(record.id()), record.createdAt(),
                record.finishedAt(), expires, stage, progress, queued, running, record.estimatedSeconds(), eta, record.amg(),
                record.state() == AsyncState.FAILED || record.state() == AsyncState.INTERRUPTED ? record.error() : null);
    }

    static String location(String id) {
        return "/v1/requests/" + id;
    }

    private static String unit(Stage stage) {
        if (stage == null) {
            return null;
        }
        return switch (stage) {
            case SAM_DECODE -> "points";
            case SAM_ENCODE -> "crops";
            case SAMS -> "steps";
            default -> "classes";
        };
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }
}
