package com.fmawsss.problems;

import java.util.Map;
import org.springframework.http.HttpStatus;

/**
 * A client error with a stable problem type (RFC 7807), raised by request validation.
 */
public class ApiProblem extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final HttpStatus status;
    private final String slug;
    private final String title;
    private final transient Map<String, Object> properties;
    private final Long retryAfterSeconds;

    /**
     * @param status HTTP status
     * @param slug stable type identifier, e.g. {@code unknown-class}
     * @param title short summary of the problem type
     * @param detail what is wrong with this request
     * @param properties extra members of the problem document
     */
    public ApiProblem(HttpStatus status, String slug, String title, String detail, Map<String, Object> properties) {
        this(status, slug, title, detail, properties, null);
    }

    /** @param retryAfterSeconds the {@code Retry-After} header of an overload answer, or {@code null} */
    public ApiProblem(HttpStatus status, String slug, String title, String detail, Map<String, Object> properties,
            Long retryAfterSeconds) {
        super(detail);
        this.status = status;
        this.slug = slug;
        this.title = title;
        this.properties = Map.copyOf(properties);
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** Seconds for the {@code Retry-After} header, or {@code null} for none. */
    public Long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    /**
     * A 422 for semantically invalid input.
     *
     * @param slug type identifier
     * @param title type summary
     * @param detail what is wrong
     */
    public static ApiProblem unprocessable(String slug, String title, String detail) {
        return new ApiProblem(HttpStatus.UNPROCESSABLE_CONTENT, slug, title, detail, Map.of());
    }

    /**
     * A 400 for malformed requests.
     *
     * @param detail what is wrong
     */
    public static ApiProblem badRequest(String detail) {
        return new ApiProblem(HttpStatus.BAD_REQUEST, ProblemTypes.INVALID_REQUEST, "Invalid request", detail, Map.of());
    }

    public HttpStatus status() {
        return status;
    }

    public String slug() {
        return slug;
    }

    public String title() {
        return title;
    }

    public Map<String, Object> properties() {
        return properties;
    }
}
