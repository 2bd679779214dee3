package com.fmawsss.api.failures;

import com.fmawsss.clip.UnknownClassException;
import com.fmawsss.image.ImageDecodeException;
import com.fmawsss.io.StorageFailure;
import com.fmawsss.pipeline.PipelineSubmission;
import com.fmawsss.problems.ApiProblem;
import com.fmawsss.problems.ProblemTypes;
import com.fmawsss.progress.WorkCancelledException;
import com.fmawsss.scheduler.InferenceTimeoutException;
import com.fmawsss.scheduler.QueueFullException;
import com.fmawsss.scheduler.SchedulerClosedException;
import com.fmawsss.tensors.TensorFormatException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.CancellationException;
import org.apache.tomcat.util.http.InvalidParameterException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;

/**
 * The RFC 7807 {@code application/problem+json} answer to every failure, with a stable {@code
 * type}: client input errors get 4xx, overload 429/503 with {@code Retry-After}. Bodies never carry
 * stack traces or internal details. Used for requests answered at once (through the exception
 * handler) and for stored asynchronous outcomes alike.
 */
public final class FailureProblems {

    private static final Logger LOG = LoggerFactory.getLogger(FailureProblems.class);

    private FailureProblems() {}

    /**
     * Problems raised by request validation.
     *
     * @param e the problem
     * @return the response
     */
    public static ResponseEntity<ProblemDetail> apiProblem(ApiProblem e) {
        return problem(e.status(), e.slug(), e.title(), e.getMessage(), e.properties(), e.retryAfterSeconds());
    }

    /**
     * Undecodable or unacceptable images.
     *
     * @param e the failure
     * @return the response
     */
    public static ResponseEntity<ProblemDetail> image(ImageDecodeException e) {
        return switch (e.kind()) {
            case UNSUPPORTED_MEDIA_TYPE -> problem(HttpStatus.UNSUPPORTED_MEDIA_TYPE, ProblemTypes.UNSUPPORTED_MEDIA_TYPE,
                    "Unsupported image type", e.getMessage(), Map.of(), null);
            case UNSUPPORTED_VARIANT -> problem(HttpStatus.UNSUPPORTED_MEDIA_TYPE, ProblemTypes.UNSUPPORTED_VARIANT,
                    "Unsupported image variant", e.getMessage(), Map.of(), null);
            case CORRUPT -> problem(HttpStatus.BAD_REQUEST, ProblemTypes.CORRUPT_IMAGE, "Corrupt image", e.getMessage(), Map.of(), null);
            case TOO_MANY_PIXELS -> problem(HttpStatus.PAYLOAD_TOO_LARGE, ProblemTypes.TOO_MANY_PIXELS, "Image too large",
                    e.getMessage(), Map.of(), null);
            case TOO_MANY_BYTES -> problem(HttpStatus.PAYLOAD_TOO_LARGE, ProblemTypes.PAYLOAD_TOO_LARGE, "Payload too large",
                    e.getMessage(), Map.of(), null);
            case TOO_SMALL -> problem(HttpStatus.UNPROCESSABLE_CONTENT, ProblemTypes.IMAGE_TOO_SMALL, "Image too small",
                    e.getMessage(), Map.of(), null);
        };
    }

    /**
     * Malformed {@code .npy}/{@code .npz} uploads.
     *
     * @param e the failure
     * @return the response
     */
    public static ResponseEntity<ProblemDetail> tensor(TensorFormatException e) {
        return problem(HttpStatus.UNPROCESSABLE_CONTENT, ProblemTypes.MALFORMED_SCORE_MAP, "Malformed score map",
                e.getMessage(), Map.of(), null);
    }

    /**
     * Class names a learned prompt set does not know.
     *
     * @param e the failure
     * @return the response
     */
    public static ResponseEntity<ProblemDetail> unknownClass(UnknownClassException e) {
        return problem(HttpStatus.UNPROCESSABLE_CONTENT, ProblemTypes.UNKNOWN_CLASS, "Unknown class", e.getMessage(),
                Map.of("unknown", e.unknown()), null);
    }

    /**
     * The inference queue is full.
     *
     * @param e the rejection
     * @return 429 with Retry-After
     */
    public static ResponseEntity<ProblemDetail> queueFull(QueueFullException e) {
        long seconds = Math.max(1, e.retryAfter().toSeconds());
        return problem(HttpStatus.TOO_MANY_REQUESTS, ProblemTypes.QUEUE_FULL, "Too many requests",
                "the inference queue is full; retry after " + seconds + " s", Map.of("retryAfterSeconds", seconds), seconds);
    }

    /**
     * The request's deadline passed while it waited.
     *
     * @param e the timeout
     * @return 503 with Retry-After
     */
    public static ResponseEntity<ProblemDetail> timeout(InferenceTimeoutException e) {
        long waited = e.waited().toSeconds();
        String detail = e.started()
                ? "the request waited " + waited + " s in the queue, then ran " + e.ran().toSeconds()
                        + " s past its deadline of " + e.timeout().toSeconds() + " s; it was stopped, retry later"
                : "the request waited " + waited + " s in the queue without reaching a worker (deadline "
                        + e.timeout().toSeconds() + " s); it never ran, retry later";
        return problem(HttpStatus.SERVICE_UNAVAILABLE, ProblemTypes.TIMEOUT, "Request timed out", detail,
                Map.of("queuedSeconds", waited, "runningSeconds", e.ran().toSeconds(), "started", e.started()), 5L);
    }

    /**
     * The service is shutting down.
     *
     * @param e the rejection
     * @return 503 with Retry-After
     */
    public static ResponseEntity<ProblemDetail> unavailable(RuntimeException e) {
        return problem(HttpStatus.SERVICE_UNAVAILABLE, ProblemTypes.UNAVAILABLE, "Service unavailable",
                "the service is not accepting work right now", Map.of(), 10L);
    }

    /** Work stopped because nobody waited for it any more (it rarely reaches a client). */
    public static ResponseEntity<ProblemDetail> cancelled(WorkCancelledException e) {
        return problem(HttpStatus.SERVICE_UNAVAILABLE, ProblemTypes.UNAVAILABLE, "Request cancelled",
                "the request was stopped: " + e.getMessage(), Map.of(), 1L);
    }

    /**
     * The container could not decode the query string or a form body (invalid UTF-8, broken
     * percent escapes, a form over Tomcat's {@code maxPostSize}). Tomcat's message quotes the
     * undecodable value, so it is not passed on.
     *
     * @param e the container's failure
     * @return 400, or 413 for a form body over the size limit
     */
    public static ResponseEntity<ProblemDetail> undecodableParameters(InvalidParameterException e) {
        if (e.getErrorCode() == HttpStatus.PAYLOAD_TOO_LARGE.value()) {
            return problem(HttpStatus.PAYLOAD_TOO_LARGE, ProblemTypes.PAYLOAD_TOO_LARGE, "Payload too large",
                    "the form body is larger than the container accepts", Map.of(), null);
        }
        return problem(HttpStatus.BAD_REQUEST, ProblemTypes.INVALID_REQUEST, "Invalid request",
                "the query string or form body cannot be decoded (invalid UTF-8 or percent escapes)", Map.of(), null);
    }

    /** The answer to any failure; those wrapped by futures are unwrapped first. */
    public static ResponseEntity<ProblemDetail> of(Throwable failure) {
        Throwable cause = PipelineSubmission.causeOf(failure);
        return switch (cause) {
            case ApiProblem p -> apiProblem(p);
            case ImageDecodeException i -> image(i);
            case TensorFormatException t -> tensor(t);
            case UnknownClassException u -> unknownClass(u);
            case QueueFullException q -> queueFull(q);
            case InferenceTimeoutException t -> timeout(t);
            case SchedulerClosedException s -> unavailable(s);
            case WorkCancelledException w -> cancelled(w);
            case UncheckedIOException io -> storage(io);
            case CancellationException c -> unavailable(c);
            case InvalidParameterException p -> undecodableParameters(p);
            case Exception ex -> unexpected(ex);
            default -> unexpected(new IllegalStateException(cause));
        };
    }

    /**
     * A full or read-only state directory (prompt store, job store): 507 with a stable type. The
     * stores write a temp file and rename it, so the failed call changed nothing. Other I/O
     * failures are unexpected (500).
     *
     * @param e the failure
     * @return the response
     */
    public static ResponseEntity<ProblemDetail> storage(UncheckedIOException e) {
        return switch (StorageFailure.of(e)) {
            case FULL -> {
                LOG.warn("storage full: {}: {}", e.getMessage(), e.getCause().getMessage());
                yield problem(HttpStatus.INSUFFICIENT_STORAGE, ProblemTypes.STORAGE_FULL, "Storage full",
                        "the service's storage is full; nothing was changed, retry once space is freed", Map.of(), null);
            }
            case READ_ONLY -> {
                LOG.warn("storage read-only: {}: {}", e.getMessage(), e.getCause().getMessage());
                yield problem(HttpStatus.INSUFFICIENT_STORAGE, ProblemTypes.STORAGE_READ_ONLY, "Storage read-only",
                        "the service's storage is read-only; nothing was changed", Map.of(), null);
            }
            case OTHER -> unexpected(e);
        };
    }

    /**
     * Anything else: logged with its stack trace, answered without internals.
     *
     * @param e the failure
     */
    public static ResponseEntity<ProblemDetail> unexpected(Exception e) {
        LOG.error("unexpected failure while handling a request", e);
        return problem(HttpStatus.INTERNAL_SERVER_ERROR, ProblemTypes.INTERNAL, "Internal error",
                "the request failed unexpectedly; the error was logged", Map.of(), null);
    }

    public static ResponseEntity<ProblemDetail> problem(
            HttpStatus status, String slug, String title, String detail, Map<String, Object> properties, Long retryAfter) {
        ProblemDetail body = ProblemDetail.forStatusAndDetail(status, detail);
        body.setType(ProblemTypes.uri(slug));
        body.setTitle(title);
        properties.forEach(body::setProperty);
        ResponseEntity.BodyBuilder builder = ResponseEntity.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON);
        if (retryAfter != null) {
            builder.header(HttpHeaders.RETRY_AFTER, Long.toString(retryAfter));
        }
        return builder.body(body);
    }
}
