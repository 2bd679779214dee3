package com.fmawsss.jobs;

import java.nio.file.Path;

/** What a running job can see and do. */
public interface JobContext {

    String id();

    /** Returns a directory private to the job that survives restarts (checkpoints). */
    Path workDirectory();

    /**
     * Records progress (persisted, visible through the job resource).
     *
     * @param progress the report
     */
    void progress(JobRecord.ProgressReport progress);

    /**
     * Throws when the job was cancelled; call between iterations.
     *
     * @throws JobCancelledException when cancelled
     */
    void checkCancelled();

    /** Whether the job was cancelled (for work that must stop without unwinding the job's own thread). */
    default boolean cancelled() {
        try {
            checkCancelled();
            return false;
        } catch (JobCancelledException e) {
            return true;
        }
    }
}
