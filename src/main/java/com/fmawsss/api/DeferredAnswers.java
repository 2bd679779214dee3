package com.fmawsss.api;

import com.fmawsss.pipeline.PipelineSubmission;
import java.time.Duration;
import java.util.function.Function;
import org.springframework.http.ResponseEntity;
import org.springframework.web.context.request.async.DeferredResult;

/**
 * The answer to a client that waits: the submission's result rendered when it comes (its failure
 * handed to the exception handler), the work stopped when the connection fails or nothing comes
 * for ten times the synchronous limit (the service never cuts running work off itself).
 */
public final class DeferredAnswers {

    private DeferredAnswers() {}

    /** @param watch the client-disconnect watch of the request, closed when the answer is set */
    public static <T> DeferredResult<ResponseEntity<?>> of(PipelineSubmission<T> submission,
            Function<T, ResponseEntity<?>> render, ClientDisconnects.Watch watch, Duration limit) {
        DeferredResult<ResponseEntity<?>> result = new DeferredResult<>(limit.multipliedBy(10).toMillis());
        submission.result().whenComplete((value, error) -> {
            watch.close();
            if (error != null) {
                result.setErrorResult(PipelineSubmission.causeOf(error));
            } else {
                try {
                    result.setResult(render.apply(value));
                } catch (RuntimeException e) {
                    result.setErrorResult(e);
                }
            }
        });
        result.onError(error -> submission.cancel("the client connection failed"));
        result.onTimeout(() -> submission.cancel("no answer within ten times the synchronous limit"));
        return result;
    }
}
