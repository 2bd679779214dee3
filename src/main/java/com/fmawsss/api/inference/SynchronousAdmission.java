package com.fmawsss.api.inference;

import com.fmawsss.pipeline.Estimate;
import com.fmawsss.pipeline.PipelineExecutor;
import com.fmawsss.problems.ApiProblem;
import com.fmawsss.problems.ProblemTypes;
import com.fmawsss.scheduler.Priority;
import com.fmawsss.scheduler.SchedulerProperties;
import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

/**
 * Whether work whose client waits for the answer may start: its estimated service time, plus the
 * estimated work queued ahead of it at its priority, must fit the synchronous limit ({@code
 * fma.scheduler.request-timeout}). Refused at once otherwise, so nobody waits for an answer that
 * cannot come in time.
 */
@Component
public class SynchronousAdmission {

    private final PipelineExecutor executor;
    private final SchedulerProperties scheduler;

    public SynchronousAdmission(PipelineExecutor executor, SchedulerProperties scheduler) {
        this.executor = executor;
        this.scheduler = scheduler;
    }

    public Duration limit() {
        return scheduler.requestTimeout();
    }

    /**
     * @param tooSlow the problem when the work alone exceeds the limit (the caller knows what is faster)
     * @throws ApiProblem {@code tooSlow} (the refusal is noted for recalibration); 503 {@code busy}
     *     with Retry-After when the work queued ahead would make it miss the limit
     */
    public void admit(Estimate estimate, Priority priority, Supplier<ApiProblem> tooSlow) {
        Duration limit = limit();
        if (estimate.service().compareTo(limit) > 0) {
            executor.costs().noteRefusal();
            throw tooSlow.get();
        }
        Duration wait = executor.estimatedWait(priority);
        if (wait.plus(estimate.service()).compareTo(limit) > 0) {
            long retry = Math.max(1, ceilSeconds(wait));
            throw new ApiProblem(HttpStatus.SERVICE_UNAVAILABLE, ProblemTypes.BUSY, "Busy",
                    "the work queued ahead needs about " + retry + " s and this request about "
                            + ceilSeconds(estimate.service()) + " s, more than the synchronous limit of "
                            + limit.toSeconds() + " s; retry after " + retry + " s, or send it with 'Prefer: respond-async'",
                    Map.of("retryAfterSeconds", retry, "estimatedSeconds", seconds(estimate.service()),
                            "queuedAheadSeconds", seconds(wait), "limitSeconds", limit.toSeconds()), retry);
        }
    }

    /** Seconds to a tenth, as problems report them. */
    public static double seconds(Duration d) {
        return Math.round(d.toMillis() / 100.0) / 10.0;
    }

    public static long ceilSeconds(Duration d) {
        return (d.toMillis() + 999) / 1000;
    }
}
