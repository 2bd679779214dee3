package com.fmawsss.jobs;

/** Thrown inside a job when a client cancelled it. */
public class JobCancelledException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public JobCancelledException() {
        super("the job was cancelled");
    }
}
