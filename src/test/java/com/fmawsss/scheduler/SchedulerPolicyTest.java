package com.fmawsss.scheduler;

import static com.fmawsss.scheduler.SchedulerTesting.properties;
import static com.fmawsss.scheduler.SchedulerTesting.resultOf;
import static org.assertj.core.api.Assertions.assertThat;

import com.fmawsss.scheduler.SchedulerTesting.Fixture;
import com.fmawsss.scheduler.SchedulerTesting.Gate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The scheduling policy: interactive first, FIFO within a priority, no preemption, background
 * progresses when no interactive task waits, one worker reserved for interactive work when there
 * are several.
 */
class SchedulerPolicyTest {

    private final Fixture fixture = new Fixture();
    private final List<String> started = Collections.synchronizedList(new ArrayList<>());

    @AfterEach
    void release() throws Exception {
        fixture.close();
    }

    @Test
    void waitingInteractiveTasksRunBeforeWaitingBackgroundTasksEachInSubmissionOrder() {
        InferenceScheduler scheduler = fixture.scheduler(properties(1, 8, 8));
        Gate busy = fixture.gate();
        scheduler.submit(Priority.INTERACTIVE, busy.work("busy"));
        busy.awaitEntered();
        List<CompletableFuture<String>> futures = new ArrayList<>();
        futures.add(scheduler.submit(Priority.BACKGROUND, record("B1")));
        futures.add(scheduler.submit(Priority.BACKGROUND, record("B2")));
        futures.add(scheduler.submit(Priority.INTERACTIVE, record("I1")));
        futures.add(scheduler.submit(Priority.BACKGROUND, record("B3")));
        futures.add(scheduler.submit(Priority.INTERACTIVE, record("I2")));

        busy.open();
        futures.forEach(SchedulerTesting::resultOf);

        assertThat(started).containsExactly("I1", "I2", "B1", "B2", "B3");
    }

    @Test
    void aClickRunsOnItsOwnLaneWhileTheOnlyWorkerIsBusyAndGoesFirstOnRegularWorkers() {
        InferenceScheduler scheduler = fixture.scheduler(properties(1, 8, 8));
        Gate busy = fixture.gate();
        scheduler.submit(Priority.BACKGROUND, busy.work("busy"));
        busy.awaitEntered();
        CompletableFuture<String> waiting = scheduler.submit(Priority.INTERACTIVE, record("I1"));
        // The regular worker is taken for as long as the gate stays shut; the click does not wait for it.
        assertThat(SchedulerTesting.resultOf(scheduler.submit(Priority.IMMEDIATE, record("C1")))).isEqualTo("C1");
        assertThat(started).containsExactly("C1");
        assertThat(waiting).isNotDone();
        assertThat(scheduler.estimatedWait(Priority.IMMEDIATE)).isZero();

        // With the lane busy too, a regular worker takes the waiting click before interactive work.
        Gate lane = fixture.gate();
        scheduler.submit(Priority.IMMEDIATE, lane.work("lane"));
        lane.awaitEntered();
        CompletableFuture<String> click = scheduler.submit(Priority.IMMEDIATE, record("C2"));
        busy.open();
        SchedulerTesting.resultOf(click);
        SchedulerTesting.resultOf(waiting);
        lane.open();
        assertThat(started).containsExactly("C1", "C2", "I1");
    }

    @Test
    void backgroundWorkProgressesWhenNoInteractiveWorkWaits() {
        InferenceScheduler scheduler = fixture.scheduler(properties(1, 8, 8));

        List<CompletableFuture<String>> futures = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            futures.add(scheduler.submit(Priority.BACKGROUND, record("B" + i)));
        }
        futures.forEach(SchedulerTesting::resultOf);

        assertThat(started).containsExactly("B1", "B2", "B3", "B4", "B5");
        assertThat(scheduler.completedCount()).isEqualTo(5);
    }

    @Test
    void continuousInteractiveLoadLetsTheRunningBackgroundTaskFinishButStartsNoNewOne() {
        InferenceScheduler scheduler = fixture.scheduler(properties(1, 8, 8));
        Gate b1 = fixture.gate();
        CompletableFuture<String> runningBackground =
                scheduler.submit(Priority.BACKGROUND, recordThen("B1", b1.work("B1 done")));
        b1.awaitEntered();
        CompletableFuture<String> waitingBackground = scheduler.submit(Priority.BACKGROUND, record("B2"));
        Gate i1 = fixture.gate();
        CompletableFuture<String> first = scheduler.submit(Priority.INTERACTIVE, recordThen("I1", i1.work("I1")));

        // The running background task is not preempted: it finishes with its own result.
        b1.open();
        assertThat(resultOf(runningBackground)).isEqualTo("B1 done");
        i1.awaitEntered();
        // While I1 runs, the next request arrives: it is served before the waiting background task.
        Gate i2 = fixture.gate();
        CompletableFuture<String> second = scheduler.submit(Priority.INTERACTIVE, recordThen("I2", i2.work("I2")));
        i1.open();
        i2.awaitEntered();
        assertThat(started).containsExactly("B1", "I1", "I2");
        assertThat(scheduler.queueDepth(Priority.BACKGROUND)).isEqualTo(1);
        CompletableFuture<String> third = scheduler.submit(Priority.INTERACTIVE, record("I3"));

        // Interactive traffic stops after I3: the waiting background task runs.
        i2.open();
        assertThat(resultOf(waitingBackground)).isEqualTo("B2");

        assertThat(started).containsExactly("B1", "I1", "I2", "I3", "B2");
        assertThat(List.of(resultOf(first), resultOf(second), resultOf(third))).containsExactly("I1", "I2", "I3");
    }

    @Test
    void withSeveralWorkersOneStaysFreeForInteractiveWork() {
        InferenceScheduler scheduler = fixture.scheduler(properties(2, 8, 8));
        Gate b1 = fixture.gate();
        Gate b2 = fixture.gate();
        CompletableFuture<String> first = scheduler.submit(Priority.BACKGROUND, b1.work("B1"));
        CompletableFuture<String> second = scheduler.submit(Priority.BACKGROUND, b2.work("B2"));
        b1.awaitEntered();

        // The second worker does not take B2 ...
        assertThat(scheduler.queueDepth(Priority.BACKGROUND)).isEqualTo(1);
        // ... so a request runs at once although a background task occupies the device.
        assertThat(resultOf(scheduler.submit(Priority.INTERACTIVE, () -> "request"))).isEqualTo("request");
        assertThat(b2.hasEntered()).isFalse();
        assertThat(scheduler.inFlight()).isEqualTo(1);

        b1.open();
        b2.awaitEntered();
        b2.open();
        assertThat(resultOf(first)).isEqualTo("B1");
        assertThat(resultOf(second)).isEqualTo("B2");
    }

    @Test
    void withOneWorkerBackgroundUsesItWhenIdle() {
        InferenceScheduler scheduler = fixture.scheduler(properties(1, 8, 8));
        Gate b1 = fixture.gate();

        scheduler.submit(Priority.BACKGROUND, b1.work("B1"));

        b1.awaitEntered();
        assertThat(scheduler.inFlight()).isEqualTo(1);
    }

    private Callable<String> record(String name) {
        return () -> {
            started.add(name);
            return name;
        };
    }

    private <T> Callable<T> recordThen(String name, Callable<T> work) {
        return () -> {
            started.add(name);
            return work.call();
        };
    }
}
