package com.fmawsss.api;

import com.fmawsss.api.failures.FailureProblems;
import com.fmawsss.problems.ProblemTypes;
import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.multipart.MaxUploadSizeExceededException;
import org.springframework.web.multipart.MultipartException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * Spring MVC's side of {@link FailureProblems}: every exception a controller throws, and Spring's own
 * errors (missing parts, wrong content type, 404, 405 ...), answered as a problem.
 */
@RestControllerAdvice
public class ApiExceptionHandler extends ResponseEntityExceptionHandler {

    @ExceptionHandler(Exception.class)
    public ResponseEntity<ProblemDetail> failure(Exception e) {
        return FailureProblems.of(e);
    }

    @Override
    protected ResponseEntity<Object> handleMaxUploadSizeExceededException(
            MaxUploadSizeExceededException ex, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        return cast(FailureProblems.problem(HttpStatus.PAYLOAD_TOO_LARGE, ProblemTypes.PAYLOAD_TOO_LARGE, "Payload too large",
                "the upload exceeds the configured size limit", Map.of(), null));
    }

    /**
     * Unparseable multipart bodies.
     *
     * @param e the failure
     * @return 400 (or 413 when the size limit was hit)
     */
    @ExceptionHandler(MultipartException.class)
    public ResponseEntity<ProblemDetail> multipart(MultipartException e) {
        if (e instanceof MaxUploadSizeExceededException) {
            return FailureProblems.problem(HttpStatus.PAYLOAD_TOO_LARGE, ProblemTypes.PAYLOAD_TOO_LARGE, "Payload too large",
                    "the upload exceeds the configured size limit", Map.of(), null);
        }
        return FailureProblems.problem(HttpStatus.BAD_REQUEST, ProblemTypes.INVALID_REQUEST, "Invalid request",
                "the body is not a valid multipart/form-data request", Map.of(), null);
    }

    /** Spring MVC's own errors (missing parts, wrong content type, 404, 405 ...) get our types too. */
    @Override
    protected ResponseEntity<Object> handleExceptionInternal(
            Exception ex, Object body, HttpHeaders headers, HttpStatusCode statusCode, WebRequest request) {
        HttpStatus status = HttpStatus.resolve(statusCode.value());
        if (status == null) {
            status = HttpStatus.BAD_REQUEST;
        }
        String slug = switch (status) {
            case UNSUPPORTED_MEDIA_TYPE -> ProblemTypes.UNSUPPORTED_MEDIA_TYPE;
            case NOT_ACCEPTABLE -> ProblemTypes.NOT_ACCEPTABLE;
            case PAYLOAD_TOO_LARGE -> ProblemTypes.PAYLOAD_TOO_LARGE;
            case NOT_FOUND, METHOD_NOT_ALLOWED -> ProblemTypes.NOT_FOUND;
            case SERVICE_UNAVAILABLE -> ProblemTypes.UNAVAILABLE;
            default -> status.is5xxServerError() ? ProblemTypes.INTERNAL : ProblemTypes.INVALID_REQUEST;
        };
        String detail = body instanceof ProblemDetail pd && pd.getDetail() != null ? pd.getDetail() : status.getReasonPhrase();
        ResponseEntity<ProblemDetail> response = FailureProblems.problem(status, slug, status.getReasonPhrase(), detail, Map.of(), null);
        HttpHeaders merged = new HttpHeaders();
        merged.addAll(headers);
        merged.addAll(response.getHeaders());
        return new ResponseEntity<>(response.getBody(), merged, status);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static ResponseEntity<Object> cast(ResponseEntity<ProblemDetail> response) {
        return (ResponseEntity) response;
    }
}
