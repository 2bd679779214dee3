package com.fmawsss.scheduler;

import static com.fmawsss.scheduler.SchedulerTesting.failureOf;
import static com.fmawsss.scheduler.SchedulerTesting.properties;
import static com.fmawsss.scheduler.SchedulerTesting.resultOf;
import static org.assertj.core.api.Assertions.assertThat;

import com.fmawsss.scheduler.SchedulerTesting.FakeTicker;
import com.fmawsss.scheduler.SchedulerTesting.Fixture;
import com.fmawsss.scheduler.SchedulerTesting.Gate;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Deadlines: queued tasks are dropped, running tasks are not interrupted but their results are
 * discarded. The short timeouts here only make the tests quick; no assertion depends on how long
 * anything took.
 */
class SchedulerTimeoutTest {

    private static final Duration SHORT = Duration.ofMillis(50);
    private static final Duration LONG = Duration.ofDays(1);

    private final Fixture fixture = new Fixture();

    @AfterEach
    void release() throws Exception {
        fixture.close();
    }

    @Test
    void aTaskStillQueuedAtItsDeadlineIsDroppedAndNeverRuns() {
        InferenceScheduler scheduler = fixture.scheduler(properties(1, 4, 4));
        Gate busy = fixture.gate();
        scheduler.submit(Priority.INTERACTIVE, LONG, busy.work("busy"));
        busy.awaitEntered();
        AtomicBoolean ran = new AtomicBoolean();

        CompletableFuture<String> queued = scheduler.submit(Priority.INTERACTIVE, SHORT, () -> {
            ran.set(true);
            return "late";
        });

        Throwable failure = failureOf(queued);
        assertThat(failure).isInstanceOf(InferenceTimeoutException.class).isInstanceOf(TimeoutException.class);
        InferenceTimeoutException timeout = (InferenceTimeoutException) failure;
        assertThat(timeout.started()).isFalse();
        assertThat(timeout.priority()).isEqualTo(Priority.INTERACTIVE);
        assertThat(timeout.timeout()).isEqualTo(SHORT);
        assertThat(timeout).hasMessageContaining("dropped");
        assertThat(scheduler.queueDepth(Priority.INTERACTIVE)).isZero();
        busy.open();
        assertThat(resultOf(scheduler.submit(Priority.INTERACTIVE, () -> "after"))).isEqualTo("after");
        assertThat(ran).isFalse();
        assertThat(scheduler.completedCount()).isEqualTo(2);
    }

    @Test
    void queuedBackgroundTasksTimeOutToo() {
        InferenceScheduler scheduler = fixture.scheduler(properties(1, 4, 4));
        Gate busy = fixture.gate();
        scheduler.submit(Priority.INTERACTIVE, LONG, busy.work("busy"));
        busy.awaitEntered();

        CompletableFuture<String> queued = scheduler.submit(Priority.BACKGROUND, SHORT, () -> "late");

        assertThat(failureOf(queued)).isInstanceOfSatisfying(
                InferenceTimeoutException.class, t -> assertThat(t.priority()).isEqualTo(Priority.BACKGROUND));
        assertThat(scheduler.queueDepth(Priority.BACKGROUND)).isZero();
    }

    @Test
    void aRunningTaskIsNotInterruptedAtItsDeadlineButItsResultIsDiscarded() {
        InferenceScheduler scheduler = fixture.scheduler(properties(1, 4, 4));
        Gate gate = fixture.gate();
        AtomicBoolean interrupted = new AtomicBoolean();
        AtomicBoolean finished = new AtomicBoolean();

        CompletableFuture<String> running = scheduler.submit(Priority.INTERACTIVE, SHORT, () -> {
            String value = gate.work("result").call();
            interrupted.set(Thread.currentThread().isInterrupted());
            finished.set(true);
            return value;
        });

        // The future fails at the deadline while the work is still blocked in the gate.
        Throwable failure = failureOf(running);
        assertThat(failure).isInstanceOfSatisfying(
                InferenceTimeoutException.class, t -> assertThat(t.started()).isTrue());
        assertThat(failure).hasMessageContaining("result discarded");
        assertThat(gate.hasEntered()).isTrue();
        assertThat(finished).isFalse();
        // The device is still busy with it.
        assertThat(scheduler.inFlight()).isEqualTo(1);

        gate.open();
        assertThat(resultOf(scheduler.submit(Priority.INTERACTIVE, () -> "after"))).isEqualTo("after");
        assertThat(finished).isTrue();
        assertThat(interrupted).isFalse();
        assertThat(failureOf(running)).isSameAs(failure);
        assertThat(scheduler.completedCount()).isEqualTo(2);
    }

    @Test
    void aResultArrivingAfterTheDeadlineIsDiscarded() {
        FakeTicker ticker = new FakeTicker();
        InferenceScheduler scheduler =
                fixture.track(new InferenceScheduler("test", properties(1, 4, 4), null, ticker));

        // The work "takes" two hours on the ticker; the timeout is one hour.
        CompletableFuture<String> future = scheduler.submit(
                Priority.INTERACTIVE, Duration.ofHours(1), ticker.work(Duration.ofHours(2), "late"));

        assertThat(failureOf(future)).isInstanceOfSatisfying(
                InferenceTimeoutException.class, t -> assertThat(t.started()).isTrue());
        assertThat(scheduler.completedCount()).isEqualTo(1);
        assertThat(scheduler.meanServiceTime()).isEqualTo(Duration.ofHours(2));
    }

    @Test
    void aTaskFoundPastItsDeadlineWhenAWorkerFreesUpNeverStarts() {
        FakeTicker ticker = new FakeTicker();
        InferenceScheduler scheduler =
                fixture.track(new InferenceScheduler("test", properties(1, 4, 4), null, ticker));
        Gate busy = fixture.gate();
        scheduler.submit(Priority.INTERACTIVE, LONG, busy.work("busy"));
        busy.awaitEntered();
        AtomicBoolean ran = new AtomicBoolean();
        CompletableFuture<String> queued = scheduler.submit(Priority.INTERACTIVE, Duration.ofHours(1), () -> {
            ran.set(true);
            return "late";
        });

        // Two hours pass on the ticker while the real deadline action is still far off.
        ticker.advance(Duration.ofHours(2));
        busy.open();

        assertThat(failureOf(queued)).isInstanceOfSatisfying(
                InferenceTimeoutException.class, t -> assertThat(t.started()).isFalse());
        assertThat(resultOf(scheduler.submit(Priority.INTERACTIVE, () -> "after"))).isEqualTo("after");
        assertThat(ran).isFalse();
    }

    @Test
    void theDefaultTimeoutComesFromTheProperties() {
        InferenceScheduler scheduler = fixture.scheduler(new SchedulerProperties(1, 4, 4, SHORT));
        Gate busy = fixture.gate();
        scheduler.submit(Priority.INTERACTIVE, LONG, busy.work("busy"));
        busy.awaitEntered();

        CompletableFuture<String> queued = scheduler.submit(Priority.INTERACTIVE, () -> "late");

        assertThat(failureOf(queued)).isInstanceOfSatisfying(
                InferenceTimeoutException.class, t -> assertThat(t.timeout()).isEqualTo(SHORT));
    }

    // Tasks that must only start in time (TaskSpec.startWithin), the async priority, the wait estimate.

    @Test
    void aTaskThatStartedInTimeIsNeverCutOffWhileItRuns() throws Exception {
        InferenceScheduler scheduler = fixture.scheduler(properties(1, 4, 4));
        Gate running = fixture.gate();

        CompletableFuture<String> future = scheduler.submit(TaskSpec.startWithin(Priority.INTERACTIVE, SHORT, Duration.ZERO),
                running.work("finished"));
        running.awaitEntered();
        Thread.sleep(SHORT.multipliedBy(4).toMillis()); // well past the start deadline
        assertThat(future).isNotDone();
        running.open();

        assertThat(resultOf(future)).isEqualTo("finished");
    }

    @Test
    void aTaskThatDidNotStartInTimeFailsSayingHowLongItWaited() {
        InferenceScheduler scheduler = fixture.scheduler(properties(1, 4, 4));
        Gate busy = fixture.gate();
        scheduler.submit(Priority.INTERACTIVE, LONG, busy.work("busy"));
        busy.awaitEntered();

        Throwable failure = failureOf(scheduler.submit(TaskSpec.startWithin(Priority.INTERACTIVE, SHORT, Duration.ZERO), () -> "never"));

        assertThat(failure).isInstanceOfSatisfying(InferenceTimeoutException.class, t -> {
            assertThat(t.started()).isFalse();
            assertThat(t.waited()).isGreaterThanOrEqualTo(SHORT);
            assertThat(t.ran()).isZero();
            assertThat(t).hasMessageContaining("queued");
        });
    }

    @Test
    void aFinishDeadlineAfterTheStartDeadlineDiscardsOnlyALateResult() {
        InferenceScheduler scheduler = fixture.scheduler(properties(1, 4, 4));
        Gate running = fixture.gate();

        CompletableFuture<String> future = scheduler.submit(
                new TaskSpec(Priority.INTERACTIVE, Duration.ofMillis(20), SHORT.multipliedBy(2), Duration.ZERO), running.work("late"));
        running.awaitEntered();

        assertThat(failureOf(future)).isInstanceOfSatisfying(InferenceTimeoutException.class, t -> {
            assertThat(t.started()).isTrue();
            assertThat(t.timeout()).isEqualTo(SHORT.multipliedBy(2));
            assertThat(t.ran()).isPositive();
        });
    }

    @Test
    void asyncTasksRunAfterInteractiveOnesAndBeforeBackgroundOnes() {
        InferenceScheduler scheduler = fixture.scheduler(properties(1, 8, 8));
        Gate busy = fixture.gate();
        scheduler.submit(Priority.INTERACTIVE, LONG, busy.work("busy"));
        busy.awaitEntered();
        List<String> order = new CopyOnWriteArrayList<>();

        CompletableFuture<?> background = scheduler.submit(Priority.BACKGROUND, () -> order.add("background"));
        CompletableFuture<?> async = scheduler.submit(TaskSpec.startWithin(Priority.ASYNC, LONG, Duration.ZERO), () -> order.add("async"));
        CompletableFuture<?> interactive = scheduler.submit(Priority.INTERACTIVE, () -> order.add("interactive"));
        busy.open();
        resultOf(CompletableFuture.allOf(background, async, interactive));

        assertThat(order).containsExactly("interactive", "async", "background");
    }

    @Test
    void theEstimatedWaitSumsWhatIsQueuedAheadAndWhatRunningWorkStillNeeds() {
        InferenceScheduler scheduler = fixture.scheduler(properties(1, 8, 8));
        Gate busy = fixture.gate();
        scheduler.submit(TaskSpec.startWithin(Priority.INTERACTIVE, LONG, Duration.ofMinutes(10)), busy.work("busy"));
        busy.awaitEntered();
        scheduler.submit(TaskSpec.startWithin(Priority.INTERACTIVE, LONG, Duration.ofMinutes(3)), () -> "i");
        scheduler.submit(TaskSpec.startWithin(Priority.ASYNC, LONG, Duration.ofMinutes(5)), () -> "a");
        scheduler.submit(TaskSpec.startWithin(Priority.BACKGROUND, LONG, Duration.ofMinutes(7)), () -> "b");

        // The running task has run for a moment of its 10 minutes.
        assertThat(scheduler.estimatedWait(Priority.INTERACTIVE)).isBetween(Duration.ofMinutes(12), Duration.ofMinutes(13));
        assertThat(scheduler.estimatedWait(Priority.ASYNC)).isBetween(Duration.ofMinutes(17), Duration.ofMinutes(18));
        assertThat(scheduler.estimatedWait(Priority.BACKGROUND)).isBetween(Duration.ofMinutes(24), Duration.ofMinutes(25));
        assertThat(scheduler.longestRunning()).isPositive();
    }

    @Test
    void twoWorkersShareTheEstimatedWait() {
        InferenceScheduler scheduler = fixture.scheduler(properties(2, 8, 8));
        Gate first = fixture.gate();
        Gate second = fixture.gate();
        scheduler.submit(TaskSpec.startWithin(Priority.INTERACTIVE, LONG, Duration.ofMinutes(4)), first.work("1"));
        scheduler.submit(TaskSpec.startWithin(Priority.INTERACTIVE, LONG, Duration.ofMinutes(4)), second.work("2"));
        first.awaitEntered();
        second.awaitEntered();

        assertThat(scheduler.estimatedWait(Priority.INTERACTIVE)).isBetween(Duration.ofSeconds(235), Duration.ofMinutes(4));
    }

    @Test
    void aCancelledRunningTaskNoLongerCountsInTheWait() {
        InferenceScheduler scheduler = fixture.scheduler(properties(1, 8, 8));
        Gate busy = fixture.gate();
        CompletableFuture<String> running = scheduler.submit(
                TaskSpec.startWithin(Priority.INTERACTIVE, LONG, Duration.ofMinutes(10)), busy.work("busy"));
        busy.awaitEntered();

        running.cancel(false);

        // The work still occupies the worker until it reaches its next check, but it is stopping.
        assertThat(scheduler.inFlight()).isEqualTo(1);
        assertThat(scheduler.estimatedWait(Priority.INTERACTIVE)).isZero();
    }
}
