package com.fmawsss.jobs;

import java.util.Map;

/** Work run by the {@link JobRunner}; must checkpoint into its work directory to be resumable. */
@FunctionalInterface
public interface Job {

    /**
     * Runs (or resumes) the job.
     *
     * @param context progress reporting, cancellation and the job's work directory
     * @return result members, e.g. {@code promptVersion}
     * @throws Exception on failure (recorded as the job's error)
     */
    Map<String, String> run(JobContext context) throws Exception;
}
