package com.fmawsss.batch;

/**
 * Exit codes of the batch commands, chosen so that an engine can tell "retry" from "retrying cannot
 * help" (docs/bulk-seeding.md; Kubernetes: {@code podFailurePolicy} rules with action
 * {@code FailIndex} on {@link #USAGE} and {@link #CONFIGURATION}). The values follow BSD
 * {@code sysexits.h} and avoid the codes the JVM and the shell already use: 1 (an uncaught
 * exception), 3 ({@code -XX:+ExitOnOutOfMemoryError}), 126/127 (command not executable or not
 * found) and 128 + n (killed by signal n: 137 SIGKILL, 143 SIGTERM).
 */
public final class ExitCodes {

    /** The shard is done: every assigned image has its output or a recorded failure. */
    public static final int OK = 0;
    /** Unexpected error; transient as far as the engine knows (retried). */
    public static final int UNEXPECTED = 1;
    /** Bad command line: unknown or missing option, bad number, index outside the shard count. */
    public static final int USAGE = 64;
    /** seed-merge: the run is incomplete or inconsistent (report.json says what is wrong). */
    public static final int INCOMPLETE = 65;
    /** Reading or writing the shared volumes failed (disk full, volume gone): retried. */
    public static final int IO_ERROR = 75;
    /**
     * Configuration error: missing or corrupt bundle, unknown prompt version, unusable dataset
     * index, a shard count or pins that differ from the records already in the output folder.
     */
    public static final int CONFIGURATION = 78;
    /**
     * Stopped by SIGTERM or SIGINT between point batches, the finished images kept: the code a
     * process killed by SIGTERM would have (128 + 15), so engines treat it alike (retried).
     */
    public static final int TERMINATED = 143;

    private ExitCodes() {}
}
