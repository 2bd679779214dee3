package com.fmawsss.scheduler;

import static com.fmawsss.scheduler.SchedulerTesting.await;
import static com.fmawsss.scheduler.SchedulerTesting.properties;
import static com.fmawsss.scheduler.SchedulerTesting.resultOf;
import static org.assertj.core.api.Assertions.assertThat;

import com.fmawsss.scheduler.SchedulerTesting.Fixture;
import com.fmawsss.scheduler.SchedulerTesting.Gate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Many threads submitting at once: every submission is either completed or refused, none lost. */
class SchedulerConcurrencyTest {

    private static final int THREADS = 64;
    private static final int TASKS_PER_THREAD = 50;
    private static final int CAPACITY = 8;

    private final Fixture fixture = new Fixture();

    @AfterEach
    void release() throws Exception {
        fixture.close();
    }

    @ParameterizedTest(name = "concurrency {0}")
    @ValueSource(ints = {1, 3})
    void everySubmissionCompletesOrIsRefusedAndTheQueuesDrain(int concurrency) throws Exception {
        InferenceScheduler scheduler = fixture.scheduler(properties(concurrency, CAPACITY, CAPACITY));
        // Hold every worker until the first refusal, so the test always exercises back-pressure.
        List<Gate> busy = new ArrayList<>();
        for (int i = 0; i < concurrency; i++) {
            Gate gate = fixture.gate();
            busy.add(gate);
            scheduler.submit(Priority.INTERACTIVE, gate.work(-1));
        }
        busy.forEach(Gate::awaitEntered);
        CountDownLatch firstRefusal = new CountDownLatch(1);
        Map<Integer, CompletableFuture<Integer>> accepted = new ConcurrentHashMap<>();
        AtomicInteger refused = new AtomicInteger();
        Map<Integer, Integer> executions = new ConcurrentHashMap<>();
        CyclicBarrier start = new CyclicBarrier(THREADS);
        List<Thread> submitters = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int thread = t;
            // Half the threads play HTTP clients, half play jobs.
            Priority priority = t % 2 == 0 ? Priority.INTERACTIVE : Priority.BACKGROUND;
            submitters.add(Thread.ofPlatform().start(() -> {
                try {
                    start.await();
                    for (int i = 0; i < TASKS_PER_THREAD; i++) {
                        int id = thread * TASKS_PER_THREAD + i;
                        try {
                            accepted.put(id, scheduler.submit(priority, () -> {
                                executions.merge(id, 1, Integer::sum);
                                return id;
                            }));
                        } catch (QueueFullException e) {
                            refused.incrementAndGet();
                            firstRefusal.countDown();
                        }
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        await(firstRefusal);
        busy.forEach(Gate::open);
        for (Thread submitter : submitters) {
            submitter.join(SchedulerTesting.HANG_GUARD.toMillis());
            assertThat(submitter.isAlive()).as("hang guard: submitter still running").isFalse();
        }

        for (Map.Entry<Integer, CompletableFuture<Integer>> e : accepted.entrySet()) {
            assertThat(resultOf(e.getValue())).isEqualTo(e.getKey());
        }

        assertThat(accepted.size() + refused.get()).isEqualTo(THREADS * TASKS_PER_THREAD);
        assertThat(refused.get()).isPositive();
        assertThat(executions).hasSize(accepted.size());
        assertThat(executions.values()).containsOnly(1);
        assertThat(scheduler.completedCount()).isEqualTo(accepted.size() + concurrency);
        assertThat(scheduler.rejectedCount()).isEqualTo(refused.get());
        assertThat(scheduler.queueDepth(Priority.INTERACTIVE)).isZero();
        assertThat(scheduler.queueDepth(Priority.BACKGROUND)).isZero();
        assertThat(scheduler.inFlight()).isZero();
    }
}
