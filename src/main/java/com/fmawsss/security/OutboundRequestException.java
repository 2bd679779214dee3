package com.fmawsss.security;

import java.net.http.HttpHeaders;
import java.time.Duration;
import java.util.Optional;

/**
 * An outbound request that was refused by the {@link OutboundPolicy} or could not complete. The
 * message names the URL without its query and never contains credentials.
 */
public class OutboundRequestException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** What went wrong. */
    public enum Kind {
        /** The URL or a redirect target is not allowed. */
        REFUSED,
        /** The answer is larger than allowed. */
        TOO_LARGE,
        TIMEOUT,
        /** Connection or protocol failure. */
        FAILED,
        /** The server answered with a status the caller cannot use. */
        STATUS
    }

    private final Kind kind;
    private final int status;
    private final Duration retryAfter;

    /**
     * @param kind what went wrong
     * @param message what, for whom (safe to show to clients)
     */
    public OutboundRequestException(Kind kind, String message) {
        this(kind, 0, message);
    }

    /**
     * @param kind what went wrong
     * @param status the HTTP status for {@link Kind#STATUS}, else 0
     * @param message what, for whom (safe to show to clients)
     */
    public OutboundRequestException(Kind kind, int status, String message) {
        this(kind, status, message, null);
    }

    private OutboundRequestException(Kind kind, int status, String message, Duration retryAfter) {
        super(message);
        this.kind = kind;
        this.status = status;
        this.retryAfter = retryAfter;
    }

    /**
     * An unusable HTTP status.
     *
     * @param message what answered it
     */
    public static OutboundRequestException status(int status, String message) {
        return new OutboundRequestException(Kind.STATUS, status, message);
    }

    /**
     * An unusable HTTP status with the server's {@code Retry-After} (seconds form).
     *
     * @param headers the answer's headers
     * @param message what answered it
     */
    public static OutboundRequestException status(int status, HttpHeaders headers, String message) {
        Duration retryAfter = headers.firstValue("Retry-After").filter(v -> v.strip().matches("\\d{1,6}"))
                .map(v -> Duration.ofSeconds(Long.parseLong(v.strip()))).orElse(null);
        return new OutboundRequestException(Kind.STATUS, status, message, retryAfter);
    }

    /**
     * How long the server asked to wait before trying again.
     *
     * @return the wait, or empty
     */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    /**
     * The HTTP status of a {@link Kind#STATUS} failure.
     *
     * @return the status, or 0
     */
    public int status() {
        return status;
    }

    /** Whether trying again later may succeed: timeouts, connection failures, 429 and 5xx answers. */
    public boolean isTransient() {
        return kind == Kind.TIMEOUT || kind == Kind.FAILED || (kind == Kind.STATUS && (status == 429 || status >= 500));
    }

    /** What went wrong. */
    public Kind kind() {
        return kind;
    }
}
