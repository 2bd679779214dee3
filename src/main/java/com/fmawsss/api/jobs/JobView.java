package com.fmawsss.api.jobs;

import com.fmawsss.jobs.JobRecord;
import java.util.Locale;
import java.util.Map;

/**
 * The job resource of spec §5 (schema {@code Job} of api/openapi.yaml).
 *
 * @param percent progress of the current stage, 0..100, {@code null} before it is known
 * @param eta estimated seconds to the end of the stage
 * @param promptVersion the prompt version a training job produced
 */
public record JobView(
        String id,
        String type,
        String state,
        String stage,
        long iteration,
        long iterations,
        Double percent,
        Double loss,
        Double imagesPerSecond,
        Long eta,
        Double learningRate,
        String error,
        String promptVersion,
        Map<String, String> result,
        String createdAt,
        String updatedAt) {

    static JobView of(JobRecord r) {
        Double percent = r.iterations() > 0 ? Math.round(1000.0 * r.iteration() / r.iterations()) / 10.0 : null;
        return new JobView(r.id(), r.type(), r.state().name().toLowerCase(Locale.ROOT), r.stage(), r.iteration(),
                r.iterations(), percent, r.loss(), r.imagesPerSecond(), r.etaSeconds(), r.learningRate(), r.error(),
                r.result().get("promptVersion"), r.result(), r.createdAt().toString(), r.updatedAt().toString());
    }
}
