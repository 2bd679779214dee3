package com.fmawsss.image;

import java.util.Locale;
import java.util.Objects;

/**
 * An uploaded image that the service refuses to decode. The message is meant for the client: it
 * says what was wrong with the upload, never how the decoder failed internally.
 */
public class ImageDecodeException extends RuntimeException {

    /** Why the image was refused; each kind maps to one stable problem type. */
    public enum Kind {
        /** Not PNG, JPEG or WebP (judged by magic bytes, not by file name or declared type). */
        UNSUPPORTED_MEDIA_TYPE(415),
        /** Truncated or otherwise undecodable data. */
        CORRUPT(422),
        /** The header declares more pixels than allowed (checked before decoding). */
        TOO_MANY_PIXELS(413),
        /** The upload has more bytes than allowed. */
        TOO_MANY_BYTES(413),
        /** Width or height below the minimum. */
        TOO_SMALL(422),
        /** A known format in a variant this build cannot decode (e.g. arithmetic-coded JPEG). */
        UNSUPPORTED_VARIANT(415);

        private final int httpStatus;

        Kind(int httpStatus) {
            this.httpStatus = httpStatus;
        }

        /**
         * Returns the suggested HTTP status for this kind.
         *
         * @return 413, 415 or 422
         */
        public int httpStatus() {
            return httpStatus;
        }

        /** Returns a stable lower-case identifier, e.g. {@code too-many-pixels}, for problem types. */
        public String slug() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    private static final long serialVersionUID = 1L;

    private final Kind kind;

    /**
     * @param kind why the image was refused
     * @param message client-readable explanation
     */
    public ImageDecodeException(Kind kind, String message) {
        super(message);
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    /**
     * Creates an exception that keeps the decoder's failure for the logs.
     *
     * @param kind why the image was refused
     * @param message client-readable explanation
     * @param cause the underlying failure
     */
    public ImageDecodeException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    /** Returns why the image was refused. */
    public Kind kind() {
        return kind;
    }
}
