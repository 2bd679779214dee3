package com.fmawsss.jobs;

/** Life cycle of a job; the last three are final. */
public enum JobState {
    /** Waiting for the device. */
    QUEUED,
    /** Running (or interrupted by a crash, until the next start resumes it). */
    RUNNING,
    /** Finished with a result. */
    SUCCEEDED,
    /** Stopped by an error; {@link JobRecord#error()} says why. */
    FAILED,
    /** Cancelled by a client. */
    CANCELLED;

    /**
     * @return true for succeeded, failed and cancelled
     */
    public boolean isFinal() {
        return this == SUCCEEDED || this == FAILED || this == CANCELLED;
    }
}
