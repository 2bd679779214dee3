package com.fmawsss.scheduler;

import java.util.concurrent.RejectedExecutionException;

/**
 * The scheduler was closed: thrown by {@link InferenceScheduler#submit} after {@link
 * InferenceScheduler#close()}, and used to fail the futures of tasks that were still queued when
 * it closed (their work never ran).
 */
public class SchedulerClosedException extends RejectedExecutionException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message what was refused and why
     */
    public SchedulerClosedException(String message) {
        super(message);
    }
}
