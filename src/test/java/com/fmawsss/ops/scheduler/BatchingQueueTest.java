package com.fmawsss.ops.scheduler;

import static com.fmawsss.ops.scheduler.SchedulerTesting.failureOf;
import static com.fmawsss.ops.scheduler.SchedulerTesting.properties;
import static com.fmawsss.ops.scheduler.SchedulerTesting.resultOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fmawsss.ops.scheduler.SchedulerTesting.Fixture;
import com.fmawsss.ops.scheduler.SchedulerTesting.Gate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link BatchingQueue}: grouping by size and key, order, delayed flush, failure propagation. The
 * delayed flush is fired by hand through a {@link ManualTimer}, so batch boundaries never depend on
 * timing.
 */
class BatchingQueueTest {

    private static final Duration DELAY = Duration.ofMillis(5);

    private final Fixture fixture = new Fixture();
    private final InferenceScheduler scheduler = fixture.scheduler(properties(1, 4, 4));
    private final ManualTimer timer = new ManualTimer();
    private final List<List<String>> calls = Collections.synchronizedList(new ArrayList<>());

    @AfterEach
    void release() throws Exception {
        fixture.close();
    }

    @Test
    void groupsItemsIntoBatchesOfMaxBatchAndKeepsTheirOrder() {
        BatchingQueue<String, String> queue = queue(3, item -> "all", this::upperCase);

        List<CompletableFuture<String>> futures = new ArrayList<>();
        for (String item : List.of("a", "b", "c", "d", "e", "f")) {
            futures.add(queue.submit(item));
        }

        assertThat(futures.stream().map(SchedulerTesting::resultOf).toList())
                .containsExactly("A", "B", "C", "D", "E", "F");
        assertThat(calls).containsExactly(List.of("a", "b", "c"), List.of("d", "e", "f"));
        assertThat(scheduler.completedCount()).isEqualTo(2);
    }

    @Test
    void batchesOnlyItemsWithEqualKeys() {
        BatchingQueue<String, String> queue = queue(2, item -> item.charAt(0), this::upperCase);

        CompletableFuture<String> a1 = queue.submit("a1");
        CompletableFuture<String> b1 = queue.submit("b1");
        CompletableFuture<String> a2 = queue.submit("a2");
        CompletableFuture<String> b2 = queue.submit("b2");

        assertThat(List.of(resultOf(a1), resultOf(b1), resultOf(a2), resultOf(b2)))
                .containsExactly("A1", "B1", "A2", "B2");
        assertThat(calls).containsExactly(List.of("a1", "a2"), List.of("b1", "b2"));
    }

    @Test
    void flushesAPartialBatchAfterMaxDelay() {
        BatchingQueue<String, String> queue = queue(10, item -> "all", this::upperCase);

        CompletableFuture<String> x = queue.submit("x");
        CompletableFuture<String> y = queue.submit("y");

        assertThat(queue.pendingItems()).isEqualTo(2);
        assertThat(timer.delays).containsExactly(DELAY);
        assertThat(x).isNotDone();
        timer.fireAll();
        assertThat(List.of(resultOf(x), resultOf(y))).containsExactly("X", "Y");
        assertThat(calls).containsExactly(List.of("x", "y"));
        assertThat(queue.pendingItems()).isZero();
    }

    @Test
    void aDelayedFlushOfABatchThatFilledUpMeanwhileDoesNothing() {
        BatchingQueue<String, String> queue = queue(2, item -> "all", this::upperCase);
        CompletableFuture<String> a = queue.submit("a");
        CompletableFuture<String> b = queue.submit("b");
        CompletableFuture<String> c = queue.submit("c");

        // Two flushes are pending: the full batch's (stale) and the open one's.
        timer.fireAll();

        assertThat(List.of(resultOf(a), resultOf(b), resultOf(c))).containsExactly("A", "B", "C");
        assertThat(calls).containsExactly(List.of("a", "b"), List.of("c"));
    }

    @Test
    void theRealTimerFlushesAPartialBatch() {
        BatchOptions options = new BatchOptions(Priority.INTERACTIVE, 10, DELAY, Duration.ofHours(1));
        BatchingQueue<String, String> queue =
                fixture.track(new BatchingQueue<>(scheduler, options, this::upperCase));

        CompletableFuture<String> only = queue.submit("only");

        assertThat(resultOf(only)).isEqualTo("ONLY");
        assertThat(calls).containsExactly(List.of("only"));
    }

    @Test
    void aFailingBatchFailsEachOfItsItems() {
        IllegalArgumentException boom = new IllegalArgumentException("boom");
        BatchingQueue<String, String> queue = queue(3, item -> "all", items -> {
            throw boom;
        });

        List<CompletableFuture<String>> futures = List.of(queue.submit("a"), queue.submit("b"), queue.submit("c"));

        assertThat(futures).allSatisfy(f -> assertThat(failureOf(f)).isSameAs(boom));
    }

    @Test
    void anOutputListOfTheWrongSizeFailsEachItem() {
        BatchingQueue<String, String> queue = queue(2, item -> "all", items -> List.of("only one"));

        List<CompletableFuture<String>> futures = List.of(queue.submit("a"), queue.submit("b"));

        assertThat(futures).allSatisfy(f -> assertThat(failureOf(f))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("1 outputs for 2 inputs"));
    }

    @Test
    void aBatchRefusedByTheSchedulerFailsEachItemWithTheRefusal() {
        InferenceScheduler small = fixture.scheduler(properties(1, 1, 1));
        Gate busy = fixture.gate();
        small.submit(Priority.INTERACTIVE, busy.work("busy"));
        busy.awaitEntered();
        small.submit(Priority.INTERACTIVE, () -> "fills the queue");
        BatchingQueue<String, String> queue = fixture.track(new BatchingQueue<>(small,
                new BatchOptions(Priority.INTERACTIVE, 2, DELAY, Duration.ofHours(1)),
                item -> "all", this::upperCase, timer));

        List<CompletableFuture<String>> futures = List.of(queue.submit("a"), queue.submit("b"));

        assertThat(futures).allSatisfy(f -> assertThat(failureOf(f)).isInstanceOfSatisfying(
                QueueFullException.class, e -> assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(1))));
        assertThat(calls).isEmpty();
    }

    @Test
    void runsBatchesAtTheConfiguredPriority() {
        Gate busy = fixture.gate();
        scheduler.submit(Priority.INTERACTIVE, busy.work("busy"));
        busy.awaitEntered();
        BatchingQueue<String, String> queue = fixture.track(new BatchingQueue<>(scheduler,
                new BatchOptions(Priority.BACKGROUND, 1, DELAY, Duration.ofHours(1)),
                item -> "all", this::upperCase, timer));

        CompletableFuture<String> item = queue.submit("bulk");

        assertThat(scheduler.queueDepth(Priority.BACKGROUND)).isEqualTo(1);
        busy.open();
        assertThat(resultOf(item)).isEqualTo("BULK");
    }

    @Test
    void anItemCancelledBeforeDispatchIsLeftOutOfItsBatch() {
        BatchingQueue<String, String> queue = queue(10, item -> "all", this::upperCase);
        CompletableFuture<String> a = queue.submit("a");
        CompletableFuture<String> b = queue.submit("b");

        a.cancel(true);
        timer.fireAll();

        assertThat(resultOf(b)).isEqualTo("B");
        assertThat(calls).containsExactly(List.of("b"));
        assertThat(failureOf(a)).isInstanceOf(CancellationException.class);
    }

    @Test
    void cancellingEveryItemOfAQueuedBatchRemovesTheBatchFromTheScheduler() {
        Gate busy = fixture.gate();
        scheduler.submit(Priority.INTERACTIVE, busy.work("busy"));
        busy.awaitEntered();
        BatchingQueue<String, String> queue = queue(2, item -> "all", this::upperCase);
        CompletableFuture<String> a = queue.submit("a");
        CompletableFuture<String> b = queue.submit("b");
        assertThat(scheduler.queueDepth(Priority.INTERACTIVE)).isEqualTo(1);

        a.cancel(true);
        assertThat(scheduler.queueDepth(Priority.INTERACTIVE)).isEqualTo(1);
        b.cancel(true);

        assertThat(scheduler.queueDepth(Priority.INTERACTIVE)).isZero();
        busy.open();
        assertThat(resultOf(scheduler.submit(Priority.INTERACTIVE, () -> "after"))).isEqualTo("after");
        assertThat(calls).isEmpty();
    }

    @Test
    void closeDispatchesOpenBatchesAndRefusesNewItems() {
        BatchingQueue<String, String> queue = queue(10, item -> item.length(), this::upperCase);
        CompletableFuture<String> a = queue.submit("a");
        CompletableFuture<String> bb = queue.submit("bb");

        queue.close();

        assertThat(List.of(resultOf(a), resultOf(bb))).containsExactly("A", "BB");
        assertThat(calls).containsExactly(List.of("a"), List.of("bb"));
        assertThat(timer.closed).isTrue();
        assertThatThrownBy(() -> queue.submit("late")).isInstanceOf(SchedulerClosedException.class);
    }

    @Test
    void refusesInvalidOptions() {
        assertThatThrownBy(() -> new BatchOptions(Priority.INTERACTIVE, 0, DELAY, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
        Duration negative = Duration.ofMillis(-1);
        assertThatThrownBy(() -> new BatchOptions(Priority.INTERACTIVE, 1, negative, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new BatchOptions(Priority.INTERACTIVE, 1, DELAY, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private BatchingQueue<String, String> queue(
            int maxBatch, Function<String, ?> keyOf, Function<List<String>, List<String>> batchFunction) {
        BatchOptions options = new BatchOptions(Priority.INTERACTIVE, maxBatch, DELAY, Duration.ofHours(1));
        return fixture.track(new BatchingQueue<>(scheduler, options, keyOf, batchFunction, timer));
    }

    private List<String> upperCase(List<String> items) {
        calls.add(List.copyOf(items));
        return items.stream().map(s -> s.toUpperCase(Locale.ROOT)).toList();
    }

    /** A flush timer the test fires by hand. */
    private static final class ManualTimer implements FlushTimer {
        final List<Runnable> pending = new ArrayList<>();
        final List<Duration> delays = new ArrayList<>();
        boolean closed;

        @Override
        public synchronized void schedule(Runnable action, Duration delay) {
            pending.add(action);
            delays.add(delay);
        }

        void fireAll() {
            List<Runnable> due;
            synchronized (this) {
                due = List.copyOf(pending);
                pending.clear();
            }
            // Outside the lock, like a real timer thread.
            due.forEach(Runnable::run);
        }

        @Override
        public synchronized void close() {
            closed = true;
        }
    }
}
