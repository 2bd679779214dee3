package com.fmawsss.scheduler;

import static com.fmawsss.scheduler.SchedulerTesting.await;
import static com.fmawsss.scheduler.SchedulerTesting.failureOf;
import static com.fmawsss.scheduler.SchedulerTesting.properties;
import static com.fmawsss.scheduler.SchedulerTesting.resultOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fmawsss.scheduler.SchedulerTesting.FakeTicker;
import com.fmawsss.scheduler.SchedulerTesting.Fixture;
import com.fmawsss.scheduler.SchedulerTesting.Gate;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Submission, back-pressure, cancellation and shutdown of {@link InferenceScheduler}. */
class InferenceSchedulerTest {

    private final Fixture fixture = new Fixture();

    @AfterEach
    void release() throws Exception {
        fixture.close();
    }

    @Test
    void runsWorkAndReturnsItsResult() {
        InferenceScheduler scheduler = fixture.scheduler(SchedulerProperties.defaults());

        CompletableFuture<String> future = scheduler.submit(Priority.INTERACTIVE, () -> "mask");

        assertThat(resultOf(future)).isEqualTo("mask");
        assertThat(scheduler.completedCount()).isEqualTo(1);
        assertThat(scheduler.inFlight()).isZero();
        assertThat(scheduler.queueDepth(Priority.INTERACTIVE)).isZero();
        assertThat(scheduler.properties().concurrency()).isEqualTo(1);
    }

    @Test
    void failingWorkFailsItsFutureAndTheWorkerCarriesOn() {
        InferenceScheduler scheduler = fixture.scheduler(SchedulerProperties.defaults());
        IOException boom = new IOException("boom");

        CompletableFuture<String> failing = scheduler.submit(Priority.INTERACTIVE, () -> {
            throw boom;
        });
        CompletableFuture<String> next = scheduler.submit(Priority.INTERACTIVE, () -> "next");

        assertThat(failureOf(failing)).isSameAs(boom);
        assertThat(resultOf(next)).isEqualTo("next");
        assertThat(scheduler.completedCount()).isEqualTo(2);
    }

    @Test
    void fullInteractiveQueueRefusesAtOnceWithRetryAfterOfAtLeastOneSecond() {
        InferenceScheduler scheduler = fixture.scheduler(properties(1, 2, 4));
        Gate busy = fixture.gate();
        scheduler.submit(Priority.INTERACTIVE, busy.work("busy"));
        busy.awaitEntered();
        scheduler.submit(Priority.INTERACTIVE, () -> "queued 1");
        scheduler.submit(Priority.INTERACTIVE, () -> "queued 2");

        QueueFullException refused = catchThrowableOfType(
                QueueFullException.class, () -> scheduler.submit(Priority.INTERACTIVE, () -> "refused"));

        assertThat(refused.priority()).isEqualTo(Priority.INTERACTIVE);
        assertThat(refused.capacity()).isEqualTo(2);
        // No service time measured yet: the estimate is the floor.
        assertThat(refused.retryAfter()).isEqualTo(Duration.ofSeconds(1));
        assertThat(refused).hasMessageContaining("interactive").hasMessageContaining("retry after 1 s");
        assertThat(scheduler.rejectedCount()).isEqualTo(1);
        assertThat(scheduler.rejectedCount(Priority.INTERACTIVE)).isEqualTo(1);
        assertThat(scheduler.queueDepth(Priority.INTERACTIVE)).isEqualTo(2);
        // The background queue is separate and still accepts work.
        scheduler.submit(Priority.BACKGROUND, () -> "background");
        assertThat(scheduler.queueDepth(Priority.BACKGROUND)).isEqualTo(1);
    }

    @Test
    void retryAfterIsRecentMeanServiceTimeTimesQueueLengthPerWorkerRoundedUp() {
        FakeTicker ticker = new FakeTicker();
        InferenceScheduler scheduler =
                fixture.track(new InferenceScheduler("test", properties(1, 2, 4), null, ticker));
        resultOf(scheduler.submit(Priority.INTERACTIVE, ticker.work(Duration.ofMillis(1000), "a")));
        resultOf(scheduler.submit(Priority.INTERACTIVE, ticker.work(Duration.ofMillis(2000), "b")));
        assertThat(scheduler.meanServiceTime()).isEqualTo(Duration.ofMillis(1500));
        Gate busy = fixture.gate();
        scheduler.submit(Priority.INTERACTIVE, busy.work("busy"));
        busy.awaitEntered();
        scheduler.submit(Priority.INTERACTIVE, () -> "queued 1");
        scheduler.submit(Priority.INTERACTIVE, () -> "queued 2");

        QueueFullException refused = catchThrowableOfType(
                QueueFullException.class, () -> scheduler.submit(Priority.INTERACTIVE, () -> "refused"));

        // 1.5 s x 2 queued / 1 worker = 3 s.
        assertThat(refused.retryAfter()).isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void fullBackgroundQueueRefusesBackgroundWork() {
        InferenceScheduler scheduler = fixture.scheduler(properties(1, 4, 1));
        Gate busy = fixture.gate();
        scheduler.submit(Priority.INTERACTIVE, busy.work("busy"));
        busy.awaitEntered();
        scheduler.submit(Priority.BACKGROUND, () -> "queued");

        QueueFullException refused = catchThrowableOfType(
                QueueFullException.class, () -> scheduler.submit(Priority.BACKGROUND, () -> "refused"));

        assertThat(refused.priority()).isEqualTo(Priority.BACKGROUND);
        assertThat(refused.capacity()).isEqualTo(1);
        assertThat(refused.retryAfter()).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
        assertThat(scheduler.rejectedCount(Priority.BACKGROUND)).isEqualTo(1);
        assertThat(scheduler.rejectedCount(Priority.INTERACTIVE)).isZero();
    }

    @Test
    void cancellingAQueuedTaskRemovesItAndItsWorkNeverRuns() {
        InferenceScheduler scheduler = fixture.scheduler(properties(1, 4, 4));
        Gate busy = fixture.gate();
        scheduler.submit(Priority.INTERACTIVE, busy.work("busy"));
        busy.awaitEntered();
        AtomicBoolean ran = new AtomicBoolean();
        CompletableFuture<String> queued = scheduler.submit(Priority.INTERACTIVE, () -> {
            ran.set(true);
            return "queued";
        });
        assertThat(scheduler.queueDepth(Priority.INTERACTIVE)).isEqualTo(1);

        assertThat(queued.cancel(true)).isTrue();

        assertThat(scheduler.queueDepth(Priority.INTERACTIVE)).isZero();
        busy.open();
        // FIFO on one worker: once this later task ran, the cancelled one would have run before it.
        assertThat(resultOf(scheduler.submit(Priority.INTERACTIVE, () -> "after"))).isEqualTo("after");
        assertThat(ran).isFalse();
        assertThat(failureOf(queued)).isInstanceOf(CancellationException.class);
        assertThat(scheduler.completedCount()).isEqualTo(2);
    }

    @Test
    void cancellingARunningTaskDoesNotAffectItsWork() {
        InferenceScheduler scheduler = fixture.scheduler(properties(1, 4, 4));
        Gate gate = fixture.gate();
        AtomicBoolean finished = new AtomicBoolean();
        AtomicBoolean interrupted = new AtomicBoolean();
        CompletableFuture<String> running = scheduler.submit(Priority.INTERACTIVE, () -> {
            String value = gate.work("done").call();
            interrupted.set(Thread.currentThread().isInterrupted());
            finished.set(true);
            return value;
        });
        gate.awaitEntered();

        running.cancel(true);

        assertThat(scheduler.inFlight()).isEqualTo(1);
        gate.open();
        assertThat(resultOf(scheduler.submit(Priority.INTERACTIVE, () -> "after"))).isEqualTo("after");
        assertThat(finished).isTrue();
        assertThat(interrupted).isFalse();
        assertThat(running).isCancelled();
        assertThat(scheduler.completedCount()).isEqualTo(2);
    }

    @Test
    void closeFailsQueuedWorkLetsRunningWorkFinishAndRefusesNewWork() {
        InferenceScheduler scheduler = fixture.scheduler(properties(1, 4, 4));
        Gate gate = fixture.gate();
        CompletableFuture<String> running = scheduler.submit(Priority.BACKGROUND, gate.work("finished"));
        gate.awaitEntered();
        AtomicBoolean queuedRan = new AtomicBoolean();
        CompletableFuture<String> queuedInteractive = scheduler.submit(Priority.INTERACTIVE, () -> {
            queuedRan.set(true);
            return "never";
        });
        CompletableFuture<String> queuedBackground = scheduler.submit(Priority.BACKGROUND, () -> {
            queuedRan.set(true);
            return "never";
        });

        CompletableFuture<Void> closing = CompletableFuture.runAsync(scheduler::close);

        assertThat(failureOf(queuedInteractive))
                .isInstanceOf(SchedulerClosedException.class)
                .hasMessageContaining("closed before the task started");
        assertThat(failureOf(queuedBackground)).isInstanceOf(SchedulerClosedException.class);
        assertThat(scheduler.isShutdown()).isTrue();
        assertThat(scheduler.queueDepth(Priority.INTERACTIVE)).isZero();
        assertThat(scheduler.queueDepth(Priority.BACKGROUND)).isZero();
        assertThatThrownBy(() -> scheduler.submit(Priority.INTERACTIVE, () -> "late"))
                .isInstanceOf(SchedulerClosedException.class);
        // close() waits for the running work, which is still blocked in the gate.
        assertThat(closing).isNotDone();
        assertThat(scheduler.isTerminated()).isFalse();

        gate.open();

        assertThat(resultOf(running)).isEqualTo("finished");
        resultOf(closing);
        assertThat(scheduler.isTerminated()).isTrue();
        assertThat(queuedRan).isFalse();
        assertThat(scheduler.completedCount()).isEqualTo(1);
    }

    @Test
    void closeIsIdempotentAndTerminatesAnIdleScheduler() throws InterruptedException {
        InferenceScheduler scheduler = fixture.scheduler(properties(3, 4, 4));

        scheduler.close();
        scheduler.close();

        assertThat(scheduler.isTerminated()).isTrue();
        assertThat(scheduler.awaitTermination(Duration.ofMillis(1))).isTrue();
        assertThatThrownBy(() -> scheduler.submit(Priority.BACKGROUND, () -> "late"))
                .isInstanceOf(SchedulerClosedException.class)
                .hasMessageContaining("closed");
    }

    @Test
    void workMayCloseItsOwnSchedulerWithoutDeadlock() {
        InferenceScheduler scheduler = fixture.scheduler(properties(1, 4, 4));

        CompletableFuture<String> future = scheduler.submit(Priority.INTERACTIVE, () -> {
            scheduler.close();
            return "closed from inside";
        });

        assertThat(resultOf(future)).isEqualTo("closed from inside");
        assertThat(scheduler.isShutdown()).isTrue();
    }

    @Test
    void rejectsInvalidArguments() {
        InferenceScheduler scheduler = fixture.scheduler(properties(1, 4, 4));

        assertThatThrownBy(() -> scheduler.submit(Priority.INTERACTIVE, Duration.ZERO, () -> "x"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> scheduler.submit(Priority.INTERACTIVE, Duration.ofSeconds(-1), () -> "x"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> scheduler.submit((Priority) null, () -> "x")).isInstanceOf(NullPointerException.class);
        assertThat(scheduler.queueDepth(Priority.INTERACTIVE)).isZero();
    }

    @Test
    void honoursVeryLongTimeouts() {
        InferenceScheduler scheduler = fixture.scheduler(properties(1, 4, 4));

        CompletableFuture<String> future =
                scheduler.submit(Priority.BACKGROUND, Duration.ofSeconds(Long.MAX_VALUE), () -> "ok");

        assertThat(resultOf(future)).isEqualTo("ok");
    }

    @Test
    void waitsForWorkOnOtherThreadsWhileUsingAllWorkers() {
        InferenceScheduler scheduler = fixture.scheduler(properties(3, 8, 8));
        CountDownLatch allRunning = new CountDownLatch(3);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<?>[] futures = new CompletableFuture<?>[3];
        for (int i = 0; i < 3; i++) {
            int id = i;
            futures[i] = scheduler.submit(Priority.INTERACTIVE, () -> {
                allRunning.countDown();
                await(release);
                return id;
            });
        }

        // Three workers: all three tasks run at the same time.
        await(allRunning);
        assertThat(scheduler.inFlight()).isEqualTo(3);
        release.countDown();

        for (int i = 0; i < 3; i++) {
            assertThat(resultOf(futures[i])).isEqualTo(i);
        }
    }
}
