package com.fmawsss.reliability;

import com.fmawsss.jobs.JobRecord;
import com.fmawsss.jobs.JobRunner;
import java.time.Duration;
import java.time.Instant;

/** Waiting for jobs of an in-process {@link JobRunner} (the HTTP twin is {@link AdminClient#awaitFinal}). */
final class RunnerJobs {

    private RunnerJobs() {}

    /**
     * Polls a job until it is in a final state.
     *
     * @param runner the runner
     * @param id job id
     * @param timeout how long to wait
     * @return the final record
     * @throws AssertionError when the job is not final in time
     */
    static JobRecord awaitFinal(JobRunner runner, String id, Duration timeout) throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            JobRecord record = runner.get(id).orElseThrow();
            if (record.state().isFinal()) {
                return record;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("job " + id + " did not finish");
    }
}
