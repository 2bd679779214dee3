package com.fmawsss.bundle;

/**
 * A model bundle cannot be used: missing or corrupt file, unsupported format version, unparseable
 * manifest, or a module PyTorch cannot load. The message names the offending file (relative to the
 * bundle directory) and says what is wrong, because it is what an operator sees when the service
 * refuses to start.
 */
public final class BundleException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Relative path of the offending file, or null when the problem is not tied to one file. */
    private final String file;

    private BundleException(String file, String message, Throwable cause) {
        super(message, cause);
        this.file = file;
    }

    /**
     * Creates an exception about one bundle file; the message reads "bundle file {file}:
     * {problem}".
     *
     * @param file path relative to the bundle directory, with {@code /} separators
     * @param problem what is wrong with it
     */
    public static BundleException forFile(String file, String problem) {
        return forFile(file, problem, null);
    }

    /**
     * Creates an exception about one bundle file, with its cause.
     *
     * @param file path relative to the bundle directory, with {@code /} separators
     * @param problem what is wrong with it
     * @param cause the underlying error, may be null
     */
    public static BundleException forFile(String file, String problem, Throwable cause) {
        return new BundleException(file, "bundle file " + file + ": " + problem, cause);
    }

    /**
     * Creates an exception about the bundle as a whole.
     *
     * @param message the full message
     * @param cause the underlying error, may be null
     */
    public static BundleException general(String message, Throwable cause) {
        return new BundleException(null, message, cause);
    }

    /**
     * Returns the offending file.
     *
     * @return path relative to the bundle directory, or null
     */
    public String file() {
        return file;
    }
}
