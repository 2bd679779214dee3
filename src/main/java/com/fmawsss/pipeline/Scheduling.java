package com.fmawsss.pipeline;

import com.fmawsss.progress.Progress;
import com.fmawsss.scheduler.Priority;
import java.time.Duration;
import java.util.Objects;

/**
 * How a piece of work waits for the device: its queue, how long it may wait before it starts (once
 * running it is never cut off), and who else watches it run.
 *
 * @param observer sees every progress report next to the submission's own progress and may stop
 *     the work (a job's cancel, a batch's termination); {@link Progress#NONE} for nobody
 */
public record Scheduling(Priority priority, Duration startDeadline, Progress observer) {

    public Scheduling {
        Objects.requireNonNull(priority, "priority");
        Objects.requireNonNull(startDeadline, "startDeadline");
        Objects.requireNonNull(observer, "observer");
    }

    public static Scheduling of(Priority priority, Duration startDeadline) {
        return new Scheduling(priority, startDeadline, Progress.NONE);
    }

    public Scheduling observedBy(Progress another) {
        return new Scheduling(priority, startDeadline, Progress.both(observer, another));
    }
}
