package com.fmawsss.security;

import com.fmawsss.problems.ApiProblem;
import java.util.Map;
import org.springframework.http.HttpStatus;

/**
 * A user-supplied path that {@link DataRoots} refuses. Answered as a problem: {@code 422
 * invalid-path} for malformed or traversing paths, {@code 403 path-not-allowed} for paths outside
 * the configured data roots (including symbolic-link escapes).
 */
public class PathConfinementException extends ApiProblem {

    private static final long serialVersionUID = 1L;

    /** Problem type of malformed paths and {@code ..} traversal. */
    public static final String INVALID_PATH = "invalid-path";

    /** Problem type of paths outside every data root. */
    public static final String PATH_NOT_ALLOWED = "path-not-allowed";

    private PathConfinementException(HttpStatus status, String slug, String title, String detail) {
        super(status, slug, title, detail, Map.of());
    }

    /**
     * A malformed path or one with {@code ..} segments (422).
     *
     * @param detail what is wrong
     */
    public static PathConfinementException invalid(String detail) {
        return new PathConfinementException(HttpStatus.UNPROCESSABLE_CONTENT, INVALID_PATH, "Invalid path", detail);
    }

    /**
     * A path outside every configured data root (403).
     *
     * @param detail what is wrong
     */
    public static PathConfinementException notAllowed(String detail) {
        return new PathConfinementException(HttpStatus.FORBIDDEN, PATH_NOT_ALLOWED, "Path not allowed", detail);
    }
}
