package com.fmawsss.problems;

import java.net.URI;

/**
 * Stable problem types of the API (RFC 7807 {@code type} members). Clients may switch on them;
 * they never change meaning. Documented in {@code api/openapi.yaml}.
 */
public final class ProblemTypes {

    /** A click prompt that cannot be answered: no point and no box, a point outside the image, a box of negative size, too many points (422). */
    public static final String INVALID_PROMPT = "invalid-prompt";
    /** An image named by its SHA-256 that the service has not seen or no longer keeps: send the image itself (404). */
    public static final String UNKNOWN_IMAGE = "unknown-image";
    /** The bundle was exported without the prompt decoder that answers clicks: export it again (501). */
    public static final String PROMPTS_UNSUPPORTED = "prompts-unsupported";
    /** An image the service had to fetch from an annotation tool (Label Studio) could not be had (502). */
    public static final String IMAGE_UNREACHABLE = "image-unreachable";
    /** Malformed request: missing part, bad parameter syntax (400). */
    public static final String INVALID_REQUEST = "invalid-request";
    /** The image bytes cannot be decoded (400). */
    public static final String CORRUPT_IMAGE = "corrupt-image";
    /** Body or image too large (413). */
    public static final String PAYLOAD_TOO_LARGE = "payload-too-large";
    /** Image header declares more pixels than allowed (413). */
    public static final String TOO_MANY_PIXELS = "too-many-pixels";
    /** Not PNG/JPEG/WebP, or a request content type other than multipart (415). */
    public static final String UNSUPPORTED_MEDIA_TYPE = "unsupported-media-type";
    /** Known format, variant not decodable (415). */
    public static final String UNSUPPORTED_VARIANT = "unsupported-variant";
    /** Image smaller than the minimum side (422). */
    public static final String IMAGE_TOO_SMALL = "image-too-small";
    /** Class list empty, duplicated, too long or blank (422). */
    public static final String INVALID_CLASSES = "invalid-classes";
    /** A class is not in the prompt set's vocabulary (422). */
    public static final String UNKNOWN_CLASS = "unknown-class";
    /** No such prompt version (422). */
    public static final String UNKNOWN_PROMPT_VERSION = "unknown-prompt-version";
    /** No such mask-generation profile ({@code amg}) (422). */
    public static final String UNKNOWN_AMG_PROFILE = "unknown-amg-profile";
    /**
     * The request's estimated service time exceeds the synchronous limit: send it with {@code
     * Prefer: respond-async} or choose a faster profile (422, answered at once).
     */
    public static final String TOO_SLOW_FOR_SYNC = "too-slow-for-synchronous";
    /** The work queued ahead would make this request miss the synchronous limit (503, Retry-After). */
    public static final String BUSY = "busy";
    /** No such asynchronous request: unknown id, or its result expired (404). */
    public static final String UNKNOWN_REQUEST = "unknown-request";
    /** The asynchronous request was cancelled, or interrupted by a restart (410). */
    public static final String REQUEST_GONE = "request-gone";
    /** Uploaded score map has the wrong dtype, shape or values (422). */
    public static final String MALFORMED_SCORE_MAP = "malformed-score-map";
    /** The Accept header asks for a format the endpoint cannot produce (406). */
    public static final String NOT_ACCEPTABLE = "not-acceptable";
    /** The inference queue is full: retry after the Retry-After delay (429). */
    public static final String QUEUE_FULL = "queue-full";
    /** The request waited longer than its deadline (503). */
    public static final String TIMEOUT = "timeout";
    /** The service is starting or shutting down (503). */
    public static final String UNAVAILABLE = "unavailable";
    /** The service's storage (state directory) is full; nothing was changed (507). */
    public static final String STORAGE_FULL = "storage-full";
    /** The service's storage (state directory) is read-only; nothing was changed (507). */
    public static final String STORAGE_READ_ONLY = "storage-read-only";
    /** Unexpected server error (500); the body never contains internals. */
    public static final String INTERNAL = "internal-error";
    /** Missing or wrong bearer token of the admin API (401, with WWW-Authenticate). */
    public static final String UNAUTHORIZED = "unauthorized";
    /** Endpoint or method does not exist (404/405). */
    public static final String NOT_FOUND = "not-found";

    private static final String PREFIX = "urn:fma-wsss:problem:";

    private ProblemTypes() {}

    /**
     * Returns the type URI of a slug.
     *
     * @param slug the identifier
     * @return {@code urn:fma-wsss:problem:<slug>}
     */
    public static URI uri(String slug) {
        return URI.create(PREFIX + slug);
    }
}
