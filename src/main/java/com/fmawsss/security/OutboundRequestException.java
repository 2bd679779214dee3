package com.fmawsss.security;

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
        super(message);
        this.kind = kind;
        this.status = status;
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
