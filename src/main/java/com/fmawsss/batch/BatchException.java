package com.fmawsss.batch;

/** Ends a batch command with a message for the operator and the exit code the engine acts on. */
public final class BatchException extends RuntimeException {

    private final int exitCode;

    public BatchException(int exitCode, String message) {
        this(exitCode, message, null);
    }

    public BatchException(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    static BatchException usage(String message) {
        return new BatchException(ExitCodes.USAGE, message);
    }

    static BatchException configuration(String message) {
        return new BatchException(ExitCodes.CONFIGURATION, message);
    }

    static BatchException configuration(String message, Throwable cause) {
        return new BatchException(ExitCodes.CONFIGURATION, message, cause);
    }

    public int exitCode() {
        return exitCode;
    }
}
