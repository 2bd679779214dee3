package com.fmawsss.jobs;

import java.util.Optional;

/**
 * Rebuilds unfinished jobs of one type after a restart, for job types that live outside the
 * admin job factory (e.g. the Label Studio pre-annotation job). The runner asks every resumer
 * whose type matches a stored record.
 */
public interface JobResumer {

    /**
     * The job type this resumer rebuilds.
     *
     * @return the type stored in {@link JobRecord#type()}
     */
    String type();

    /**
     * Rebuilds a job from its stored request.
     *
     * @return the job, or empty when it cannot be rebuilt (the runner then marks it failed)
     */
    Optional<Job> resume(JobRecord record);
}
