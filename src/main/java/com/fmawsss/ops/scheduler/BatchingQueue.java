package com.fmawsss.ops.scheduler;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

/**
 * Groups items submitted close together into one call of a batch function run through an {@link
 * InferenceScheduler} (micro-batching: one forward pass over {@code n} CLIP prompts costs far less
 * than {@code n} passes).
 *
 * <p>Items are grouped by key ({@code keyOf}; items with equal keys share a batch, e.g. one batch
 * per text encoder). A key's open batch is dispatched when it holds {@link BatchOptions#maxBatch()}
 * items, or {@link BatchOptions#maxDelay()} after its first item arrived, whichever comes first.
 * The batch function receives the items in submission order and must return one output per item,
 * in the same order; output {@code i} completes the future of item {@code i}.
 *
 * <p>Failures: if the batch function throws, or the batch times out, every item's future fails with
 * that same exception; if the scheduler refuses the batch ({@link QueueFullException}, {@link
 * SchedulerClosedException}) every item's future fails with the refusal. An output list of the
 * wrong size fails every item with {@link IllegalStateException}.
 *
 * <p>Cancellation: an item cancelled before its batch is dispatched is left out of the batch; once
 * every item of a dispatched batch is cancelled, the batch's scheduler task is cancelled too (which
 * removes it from the queue if it has not started).
 *
 * <p>Thread-safe. Batches of one key reach the scheduler in the order they were formed.
 *
 * @param <I> the item type
 * @param <O> the output type
 */
public final class BatchingQueue<I, O> implements AutoCloseable {

    private final InferenceScheduler scheduler;
    private final BatchOptions options;
    private final Function<? super I, ?> keyOf;
    private final Function<List<I>, List<O>> batchFunction;
    private final FlushTimer timer;

    /** Open batches by key; guarded by {@code this}. */
    private final Map<Object, Batch<I, O>> open = new LinkedHashMap<>();

    /** Guarded by {@code this}. */
    private boolean closed;

    /**
     * Creates a queue whose items all share one key.
     *
     * @param scheduler runs the batches
     * @param options batch size, delay, priority and timeout
     * @param batchFunction maps a batch of items to their outputs, one per item, same order
     */
    public BatchingQueue(
            InferenceScheduler scheduler,
            BatchOptions options,
            Function<List<I>, List<O>> batchFunction) {
        this(scheduler, options, item -> Boolean.TRUE, batchFunction);
    }

    /**
     * Creates a queue that batches items with equal keys together.
     *
     * @param scheduler runs the batches
     * @param options batch size, delay, priority and timeout
     * @param keyOf the key of an item; keys need {@code equals} and {@code hashCode}
     * @param batchFunction maps a batch of items of one key to their outputs, one per item, same
     *     order
     */
    public BatchingQueue(
            InferenceScheduler scheduler,
            BatchOptions options,
            Function<? super I, ?> keyOf,
            Function<List<I>, List<O>> batchFunction) {
        this(scheduler, options, keyOf, batchFunction,
                FlushTimer.daemonThread("fma-batching-" + scheduler.device()));
    }

    /** Creates a queue with the given flush timer, which it closes on {@link #close()}. */
    BatchingQueue(
            InferenceScheduler scheduler,
            BatchOptions options,
            Function<? super I, ?> keyOf,
            Function<List<I>, List<O>> batchFunction,
            FlushTimer timer) {
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.options = Objects.requireNonNull(options, "options");
        this.keyOf = Objects.requireNonNull(keyOf, "keyOf");
        this.batchFunction = Objects.requireNonNull(batchFunction, "batchFunction");
        this.timer = Objects.requireNonNull(timer, "timer");
    }

    /**
     * Adds an item to the open batch of its key, opening one if needed.
     *
     * @param item the item
     * @return its future output
     * @throws SchedulerClosedException if this queue was closed
     */
    public CompletableFuture<O> submit(I item) {
        Object key = Objects.requireNonNull(keyOf.apply(item), "key");
        CompletableFuture<O> future = new CompletableFuture<>();
        Dispatch<I, O> dispatch = null;
        synchronized (this) {
            if (closed) {
                throw new SchedulerClosedException(
                        "Batching queue on " + scheduler.device() + " is closed");
            }
            Batch<I, O> batch = open.get(key);
            if (batch == null) {
                batch = new Batch<>(key);
                open.put(key, batch);
                Batch<I, O> first = batch;
                timer.schedule(() -> flushIfOpen(first), options.maxDelay());
            }
            batch.items.add(new Item<>(item, future));
            if (batch.items.size() >= options.maxBatch()) {
                open.remove(key);
                dispatch = start(batch);
            }
        }
        if (dispatch != null) {
            dispatch.finish();
        }
        return future;
    }

    /** Dispatches every open batch now, without waiting for its delay. */
    public void flush() {
        List<Dispatch<I, O>> dispatches = new ArrayList<>();
        synchronized (this) {
            for (Batch<I, O> batch : open.values()) {
                dispatches.add(start(batch));
            }
            open.clear();
        }
        dispatches.forEach(Dispatch::finish);
    }

    /**
     * Returns the number of items waiting in open batches (not yet handed to the scheduler).
     *
     * @return items in open batches
     */
    public synchronized int pendingItems() {
        return open.values().stream().mapToInt(b -> b.items.size()).sum();
    }

    /**
     * Dispatches the open batches and refuses further items. Does not close the scheduler, which
     * this queue does not own.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        flush();
        timer.close();
    }

    /** The delayed flush: dispatches the batch unless it was dispatched already (it filled up). */
    private void flushIfOpen(Batch<I, O> batch) {
        Dispatch<I, O> dispatch;
        synchronized (this) {
            if (open.get(batch.key) != batch) {
                return;
            }
            open.remove(batch.key);
            dispatch = start(batch);
        }
        dispatch.finish();
    }

    /**
     * Hands a batch to the scheduler. Called under {@code this}, so batches reach the scheduler in
     * the order they were formed; the item futures are completed later by {@link
     * Dispatch#finish()}, outside the lock.
     */
    private Dispatch<I, O> start(Batch<I, O> batch) {
        List<Item<I, O>> live = batch.items.stream().filter(i -> !i.future.isDone()).toList();
        if (live.isEmpty()) {
            return new Dispatch<>(live, null, null);
        }
        List<I> inputs = live.stream().map(Item::input).toList();
        try {
            CompletableFuture<List<O>> outputs = scheduler.submit(
                    options.priority(), options.timeout(), () -> batchFunction.apply(inputs));
            return new Dispatch<>(live, outputs, null);
        } catch (RuntimeException refused) {
            return new Dispatch<>(live, null, refused);
        }
    }

    /** An item and its future. */
    private record Item<I, O>(I input, CompletableFuture<O> future) {}

    /** The items of one key gathered so far. */
    private static final class Batch<I, O> {
        final Object key;
        final List<Item<I, O>> items = new ArrayList<>();

        Batch(Object key) {
            this.key = key;
        }
    }

    /**
     * A batch handed to the scheduler: its items and either the scheduler's future or the refusal.
     */
    private record Dispatch<I, O>(
            List<Item<I, O>> items, CompletableFuture<List<O>> outputs, RuntimeException refused) {

        /** Wires the outcome to the item futures; runs outside the queue's lock. */
        void finish() {
            if (refused != null) {
                items.forEach(i -> i.future.completeExceptionally(refused));
                return;
            }
            if (outputs == null) {
                return;
            }
            outputs.whenComplete(this::deliver);
            for (Item<I, O> item : items) {
                // Nobody wants the batch any more: free its place in the scheduler queue.
                item.future.whenComplete((v, e) -> {
                    if (items.stream().allMatch(i -> i.future.isDone())) {
                        outputs.cancel(false);
                    }
                });
            }
        }

        private void deliver(List<O> results, Throwable failure) {
            if (failure != null) {
                Throwable cause =
                        failure instanceof CompletionException && failure.getCause() != null
                                ? failure.getCause()
                                : failure;
                items.forEach(i -> i.future.completeExceptionally(cause));
            } else if (results == null || results.size() != items.size()) {
                IllegalStateException wrongSize = new IllegalStateException(
                        "Batch function returned "
                                + (results == null ? "null" : results.size() + " outputs")
                                + " for " + items.size() + " inputs");
                items.forEach(i -> i.future.completeExceptionally(wrongSize));
            } else {
                for (int i = 0; i < items.size(); i++) {
                    items.get(i).future.complete(results.get(i));
                }
            }
        }
    }
}
