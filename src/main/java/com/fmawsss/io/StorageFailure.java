package com.fmawsss.io;

import java.io.IOException;
import java.util.Locale;

/**
 * Recognises the storage conditions an operator must fix (a full or read-only volume) among I/O
 * failures, so they can be reported with a stable problem type instead of an internal error. The
 * JDK reports them with the C library's message ({@code strerror}) as the reason, which is what is
 * matched ({@code ENOSPC}, {@code EDQUOT}, {@code EROFS}).
 */
public enum StorageFailure {
    /** No space left on the device, or the disk quota is exhausted. */
    FULL,
    /** The file system is mounted read-only. */
    READ_ONLY,
    /** Any other failure. */
    OTHER;

    /**
     * Classifies a failure by the first I/O exception in its cause chain.
     *
     * @param failure the failure (e.g. an {@link java.io.UncheckedIOException})
     * @return what kind of storage failure it is
     */
    public static StorageFailure of(Throwable failure) {
        Throwable t = failure;
        for (int depth = 0; t != null && depth < 16; depth++, t = t.getCause()) {
            if (t instanceof IOException io) {
                // FileSystemException's message is "<file>: <reason>"; other IOExceptions carry the reason alone.
                String r = io.getMessage() == null ? "" : io.getMessage().toLowerCase(Locale.ROOT);
                if (r.contains("no space left on device") || r.contains("disk quota exceeded")) {
                    return FULL;
                }
                if (r.contains("read-only file system")) {
                    return READ_ONLY;
                }
            }
        }
        return OTHER;
    }
}
