package com.fmawsss.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The selection rule on its own, without threads. */
class TaskQueuesTest {

    @Test
    void refusesBeyondEachQueuesCapacity() {
        TaskQueues queues = new TaskQueues(2, 1, 1);

        assertThat(queues.offer(task(Priority.INTERACTIVE))).isTrue();
        assertThat(queues.offer(task(Priority.INTERACTIVE))).isTrue();
        assertThat(queues.offer(task(Priority.INTERACTIVE))).isFalse();
        assertThat(queues.offer(task(Priority.BACKGROUND))).isTrue();
        assertThat(queues.offer(task(Priority.BACKGROUND))).isFalse();

        assertThat(queues.depth(Priority.INTERACTIVE)).isEqualTo(2);
        assertThat(queues.depth(Priority.BACKGROUND)).isEqualTo(1);
        assertThat(queues.capacity(Priority.INTERACTIVE)).isEqualTo(2);
        assertThat(queues.capacity(Priority.BACKGROUND)).isEqualTo(1);
    }

    @Test
    void takesInteractiveFirstThenBackgroundEachInArrivalOrder() {
        TaskQueues queues = new TaskQueues(8, 8, 1);
        ScheduledTask<?> b1 = offer(queues, Priority.BACKGROUND);
        ScheduledTask<?> i1 = offer(queues, Priority.INTERACTIVE);
        ScheduledTask<?> b2 = offer(queues, Priority.BACKGROUND);
        ScheduledTask<?> i2 = offer(queues, Priority.INTERACTIVE);

        assertThat(queues.next(0)).isSameAs(i1);
        assertThat(queues.next(0)).isSameAs(i2);
        assertThat(queues.next(0)).isSameAs(b1);
        assertThat(queues.next(0)).isSameAs(b2);
        assertThat(queues.next(0)).isNull();
    }

    @Test
    void startsNoBackgroundTaskBeyondTheLimitButStillInteractiveOnes() {
        TaskQueues queues = new TaskQueues(8, 8, 2);
        ScheduledTask<?> b1 = offer(queues, Priority.BACKGROUND);

        assertThat(queues.next(2)).isNull();
        ScheduledTask<?> i1 = offer(queues, Priority.INTERACTIVE);
        assertThat(queues.next(2)).isSameAs(i1);
        assertThat(queues.next(1)).isSameAs(b1);
    }

    @Test
    void removesAndDrainsWaitingTasks() {
        TaskQueues queues = new TaskQueues(8, 8, 1);
        ScheduledTask<?> b1 = offer(queues, Priority.BACKGROUND);
        ScheduledTask<?> i1 = offer(queues, Priority.INTERACTIVE);
        ScheduledTask<?> i2 = offer(queues, Priority.INTERACTIVE);

        assertThat(queues.remove(i1)).isTrue();
        assertThat(queues.remove(i1)).isFalse();
        assertThat(queues.drain()).containsExactly(i2, b1);
        assertThat(queues.depth(Priority.INTERACTIVE)).isZero();
        assertThat(queues.depth(Priority.BACKGROUND)).isZero();
    }

    private static ScheduledTask<?> offer(TaskQueues queues, Priority priority) {
        ScheduledTask<?> task = task(priority);
        assertThat(queues.offer(task)).isTrue();
        return task;
    }

    private static ScheduledTask<String> task(Priority priority) {
        return new ScheduledTask<>(TaskSpec.withTimeout(priority, Duration.ofSeconds(1)), 0, Duration.ofSeconds(1).toNanos(), Duration.ofSeconds(1).toNanos(), () -> "x");
    }
}
