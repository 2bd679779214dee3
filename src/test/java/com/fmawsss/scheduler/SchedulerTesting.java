package com.fmawsss.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Helpers for the scheduler tests: ordering is controlled with latches; waits are bounded only as
 * hang guards, never to assert timing.
 */
final class SchedulerTesting {

    /** Bound on every wait; reaching it means the test hung, not that something was slow. */
    static final Duration HANG_GUARD = Duration.ofSeconds(20);

    private SchedulerTesting() {}

    /** Waits for a future and returns its value. */
    static <T> T resultOf(CompletableFuture<T> future) {
        try {
            return future.get(HANG_GUARD.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError("expected a result but the future failed", e.getCause());
        } catch (InterruptedException | TimeoutException e) {
            throw new AssertionError("hang guard: the future did not complete", e);
        }
    }

    /** Waits for a future to fail and returns the failure (the cause, or the cancellation). */
    static Throwable failureOf(CompletableFuture<?> future) {
        Object value;
        try {
            value = future.get(HANG_GUARD.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (CancellationException e) {
            return e;
        } catch (InterruptedException | TimeoutException e) {
            throw new AssertionError("hang guard: the future did not complete", e);
        }
        return fail("expected a failure but the future completed with " + value);
    }

    /** Waits for a latch within the hang guard. */
    static void await(CountDownLatch latch) {
        try {
            assertThat(latch.await(HANG_GUARD.toMillis(), TimeUnit.MILLISECONDS))
                    .as("hang guard: latch not released")
                    .isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /**
     * Work that signals when it starts and then blocks until opened, so a test knows a worker is
     * busy and decides when it is free again.
     */
    static final class Gate {
        private final CountDownLatch entered = new CountDownLatch(1);
        private final CountDownLatch opened = new CountDownLatch(1);

        /** Returns work that enters the gate, waits until it is opened and returns the value. */
        <T> Callable<T> work(T value) {
            return () -> {
                entered.countDown();
                await(opened);
                return value;
            };
        }

        /** Waits until the work is running. */
        void awaitEntered() {
            await(entered);
        }

        /** Tells whether the work has started. */
        boolean hasEntered() {
            return entered.getCount() == 0;
        }

        /** Lets the work return. */
        void open() {
            opened.countDown();
        }
    }

    /** A ticker the test moves by hand (from the work itself), for exact service times. */
    static final class FakeTicker implements LongSupplier {
        private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

        @Override
        public long getAsLong() {
            return nanos.get();
        }

        /** Moves the ticker forward. */
        void advance(Duration by) {
            nanos.addAndGet(by.toNanos());
        }

        /** Returns work that advances the ticker by {@code by} and returns the value. */
        <T> Callable<T> work(Duration by, T value) {
            return () -> {
                advance(by);
                return value;
            };
        }
    }

    /**
     * Creates schedulers and gates for one test and releases them afterwards, so a failing test
     * leaves no blocked worker behind.
     */
    static final class Fixture implements AutoCloseable {
        private final List<Gate> gates = new ArrayList<>();
        private final List<AutoCloseable> closeables = new ArrayList<>();

        Gate gate() {
            Gate gate = new Gate();
            gates.add(gate);
            return gate;
        }

        InferenceScheduler scheduler(SchedulerProperties properties) {
            return track(new InferenceScheduler("test", properties));
        }

        <T extends AutoCloseable> T track(T closeable) {
            closeables.add(closeable);
            return closeable;
        }

        @Override
        public void close() throws Exception {
            gates.forEach(Gate::open);
            for (AutoCloseable c : closeables.reversed()) {
                c.close();
            }
        }
    }

    /** Properties with the given concurrency and capacities and a long default timeout. */
    static SchedulerProperties properties(int concurrency, int capacity, int backgroundCapacity) {
        return new SchedulerProperties(concurrency, capacity, backgroundCapacity, Duration.ofHours(1));
    }
}
