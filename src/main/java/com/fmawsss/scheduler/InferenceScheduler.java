package com.fmawsss.scheduler;

import io.micrometer.core.instrument.MeterRegistry;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * Runs inference work on one device: a fixed set of worker threads serving three bounded queues, one
 * per {@link Priority}. Create one per device; it is the only way work reaches that device.
 *
 * <h2>Policy</h2>
 *
 * <ul>
 *   <li><b>Order.</b> A free worker takes the oldest {@link Priority#IMMEDIATE} task if one waits,
 *       else the oldest {@link Priority#INTERACTIVE} task; only when none waits does it take the oldest {@link Priority#ASYNC} task, and only
 *       when none of those waits the oldest {@link Priority#BACKGROUND} task.
 *       Within a priority, tasks run in submission order.
 *   <li><b>No preemption.</b> A running background task always runs to its end; interactive tasks
 *       that arrive meanwhile wait for a worker. So continuous interactive traffic lets the running
 *       background task finish but starts no new background task while an interactive one waits.
 *       As soon as no interactive task waits, background tasks start again.
 *   <li><b>Click lane.</b> Besides the regular workers, one lane worker takes only {@link
 *       Priority#IMMEDIATE} tasks (clicks), so a click starts at once even while every regular worker
 *       runs a long task; regular workers take waiting clicks first too.
 *   <li><b>Reserved worker.</b> With {@code concurrency >= 2}, at most {@code concurrency - 1}
 *       non-interactive (async and background) tasks run at once, so one worker is always free for a request and a long
 *       training step never sits in front of one. With one worker (the default) background runs
 *       on it whenever no interactive task waits.
 *   <li><b>Back-pressure.</b> A full queue refuses the submission at once with {@link
 *       QueueFullException}, whose {@link QueueFullException#retryAfter() retryAfter} is {@code
 *       recent mean service time × queue length / concurrency}, rounded up to whole seconds, at
 *       least one second.
 *   <li><b>Deadlines.</b> Every task has a start deadline and optionally a finish deadline
 *       ({@link TaskSpec}), counted from submission. A task still queued at its start deadline is
 *       dropped (its work never runs) and its future fails with {@link
 *       InferenceTimeoutException}. A task running at its finish deadline is <em>not</em>
 *       interrupted, since it may be inside a native call that cannot be stopped safely: its future
 *       fails with {@link InferenceTimeoutException}, and the late result is discarded. Work that
 *       must stop then watches its own future (the pipeline checks its progress between stages
 *       and point batches); without a finish deadline running work is never cut off.
 *   <li><b>Estimated wait.</b> Each task may carry an estimate of its service time; {@link
 *       #estimatedWait(Priority)} sums what is queued ahead and what running work still needs, so
 *       callers can refuse at once what would not start in time.
 *   <li><b>Cancellation.</b> Cancelling (or otherwise completing) the returned future of a queued
 *       task removes it from its queue; its work never runs. Cancelling the future of a running
 *       task completes the future but has no effect on the work.
 *   <li><b>Shutdown.</b> {@link #close()} refuses new work, fails every queued task with {@link
 *       SchedulerClosedException}, and waits for running work to finish.
 * </ul>
 *
 * <p>Thread-safe. Workers are platform threads, not virtual threads: work spends its time in JNI
 * calls, which would pin a virtual thread's carrier anyway.
 */
public final class InferenceScheduler implements AutoCloseable {

    /** Samples in the recent mean of the service time. */
    static final int SERVICE_TIME_WINDOW = 64;

    /** Longest deadline honoured; keeps deadline arithmetic on the ticker free of overflow. */
    private static final long MAX_TIMEOUT_NANOS = Long.MAX_VALUE / 4;

    private final String device;
    private final SchedulerProperties properties;
    private final LongSupplier ticker;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final TaskQueues queues;
    private int inFlight;
    private int backgroundInFlight;
    private boolean closed;

    private final Map<Priority, AtomicLong> rejected = new EnumMap<>(Priority.class);
    private final AtomicLong completed = new AtomicLong();
    private final ServiceTimeWindow serviceTimes = new ServiceTimeWindow(SERVICE_TIME_WINDOW);
    /** Guarded by {@link #lock}: tasks whose work is running, for the wait estimate. */
    private final List<ScheduledTask<?>> running = new ArrayList<>();

    private final ScheduledThreadPoolExecutor deadlines;
    private final List<Thread> workers = new ArrayList<>();
    private final AtomicInteger liveWorkers = new AtomicInteger();
    private final CountDownLatch terminated = new CountDownLatch(1);
    private final SchedulerMetrics metrics;

    /**
     * Creates and starts a scheduler without metrics.
     *
     * @param device the device's name, used in thread names, messages and metric tags
     * @param properties the settings
     */
    public InferenceScheduler(String device, SchedulerProperties properties) {
        this(device, properties, null, System::nanoTime);
    }

    /**
     * Creates and starts a scheduler and registers its meters (see {@link SchedulerMetrics}).
     *
     * @param device the device's name, used in thread names, messages and metric tags
     * @param properties the settings
     * @param registry where to register the meters
     */
    public InferenceScheduler(
            String device, SchedulerProperties properties, MeterRegistry registry) {
        this(device, properties, Objects.requireNonNull(registry, "registry"), System::nanoTime);
    }

    /**
     * Creates and starts a scheduler; the ticker is replaceable so tests control measured times.
     *
     * @param registry where to register meters, or {@code null} for none
     * @param ticker monotonic nanoseconds for deadlines and service times
     */
    InferenceScheduler(
            String device,
            SchedulerProperties properties,
            MeterRegistry registry,
            LongSupplier ticker) {
        this.device = Objects.requireNonNull(device, "device");
        this.properties = Objects.requireNonNull(properties, "properties");
        this.ticker = Objects.requireNonNull(ticker, "ticker");
        int concurrency = properties.concurrency();
        this.queues = new TaskQueues(
                properties.queueCapacity(),
                properties.backgroundQueueCapacity(),
                Math.max(1, concurrency - 1));
        for (Priority p : Priority.values()) {
            rejected.put(p, new AtomicLong());
        }
        String threadPrefix = "fma-inference-" + device + "-";
        this.deadlines = new ScheduledThreadPoolExecutor(1, daemon(threadPrefix + "deadlines"));
        // Cancelled expiries (the common case: the task finished in time) must not pile up.
        deadlines.setRemoveOnCancelPolicy(true);
        this.metrics = registry == null ? null : SchedulerMetrics.register(registry, this);
        for (int i = 0; i < concurrency; i++) {
            Thread worker = daemon(threadPrefix + i).newThread(() -> workLoop(false));
            workers.add(worker);
        }
        workers.add(daemon(threadPrefix + "clicks").newThread(() -> workLoop(true)));
        liveWorkers.set(workers.size());
        workers.forEach(Thread::start);
    }

    /**
     * Submits work with the default timeout ({@link SchedulerProperties#requestTimeout()}).
     *
     * @param priority the queue to wait in
     * @param work the work; runs on a worker thread
     * @param <T> the result type
     * @return the future result; see {@link #submit(Priority, Duration, Callable)}
     * @throws QueueFullException if the priority's queue is full
     * @throws SchedulerClosedException if the scheduler was closed
     */
    public <T> CompletableFuture<T> submit(Priority priority, Callable<T> work) {
        return submit(priority, properties.requestTimeout(), work);
    }

    /**
     * Submits work. The returned future completes with the work's result or exception, or fails
     * with {@link InferenceTimeoutException} once {@code timeout} has passed since submission, or
     * with {@link SchedulerClosedException} if the scheduler closes before the work starts.
     * Cancelling it while the task waits removes the task from the queue.
     *
     * @param priority the queue to wait in
     * @param timeout deadline, counted from now, covering the wait and the work
     * @param work the work; runs on a worker thread
     * @param <T> the result type
     * @return the future result
     * @throws QueueFullException if the priority's queue is full; nothing was queued
     * @throws SchedulerClosedException if the scheduler was closed
     * @throws IllegalArgumentException if the timeout is not positive
     */
    public <T> CompletableFuture<T> submit(Priority priority, Duration timeout, Callable<T> work) {
        Objects.requireNonNull(priority, "priority");
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive: " + timeout);
        }
        return submit(TaskSpec.withTimeout(priority, timeout), work);
    }

    /**
     * Submits work as {@code spec} says (deadlines, estimate). See {@link #submit(Priority,
     * Duration, Callable)} for the future's life cycle.
     *
     * @throws QueueFullException if the priority's queue is full; nothing was queued
     * @throws SchedulerClosedException if the scheduler was closed
     */
    public <T> CompletableFuture<T> submit(TaskSpec spec, Callable<T> work) {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(work, "work");
        Priority priority = spec.priority();
        long timeoutNanos = timeoutNanos(spec.startDeadline());
        Long finishNanos = spec.finishDeadline() == null ? null : timeoutNanos(spec.finishDeadline());
        ScheduledTask<T> task = new ScheduledTask<>(spec, ticker.getAsLong(), timeoutNanos, finishNanos, work);
        lock.lock();
        try {
            if (closed) {
                throw new SchedulerClosedException(
                        "Inference scheduler on " + device + " is closed");
            }
            if (!queues.offer(task)) {
                rejected.get(priority).incrementAndGet();
                int depth = queues.depth(priority);
                Duration retryAfter =
                        RetryAfter.estimate(serviceTimes.mean(), depth, properties.concurrency());
                throw new QueueFullException(
                        device, priority, queues.capacity(priority), retryAfter);
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        armExpiry(task, timeoutNanos);
        // Registered last: if the future is already done this runs now and sees the expiry above.
        task.future.whenComplete((value, failure) -> onFutureDone(task));
        return task.future;
    }

    public String device() {
        return device;
    }

    /**
     * Returns the settings.
     *
     * @return the settings this scheduler was created with
     */
    public SchedulerProperties properties() {
        return properties;
    }

    /**
     * Returns the number of tasks waiting for a worker.
     *
     * @param priority the queue
     * @return its current length
     */
    public int queueDepth(Priority priority) {
        lock.lock();
        try {
            return queues.depth(priority);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Returns the number of tasks whose work is running. A task whose future already failed with a
     * timeout still counts until its work returns: it still occupies the device.
     *
     * @return running tasks
     */
    public int inFlight() {
        lock.lock();
        try {
            return inFlight;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Returns the number of submissions refused because a queue was full.
     *
     * @return refusals since creation, both priorities
     */
    public long rejectedCount() {
        return rejected.values().stream().mapToLong(AtomicLong::get).sum();
    }

    /**
     * Returns the number of submissions refused because a queue was full.
     *
     * @param priority the queue
     * @return refusals of that queue since creation
     */
    public long rejectedCount(Priority priority) {
        return rejected.get(priority).get();
    }

    /**
     * Returns the number of tasks whose work ran to the end, returning or throwing (including work
     * whose result was discarded after its deadline).
     *
     * @return completed tasks since creation
     */
    public long completedCount() {
        return completed.get();
    }

    /**
     * Returns the mean time the most recent tasks (the last 64) occupied a worker.
     *
     * @return the recent mean, {@link Duration#ZERO} before the first task completed
     */
    public Duration meanServiceTime() {
        return serviceTimes.mean();
    }

    /**
     * Tells whether {@link #shutdown()} or {@link #close()} was called.
     *
     * @return {@code true} once new work is refused
     */
    public boolean isShutdown() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Tells whether the scheduler is shut down and all running work has finished.
     *
     * @return {@code true} once every worker has exited
     */
    public boolean isTerminated() {
        return terminated.getCount() == 0;
    }

    /**
     * Refuses new work and fails every queued task with {@link SchedulerClosedException}; running
     * work goes on. Returns at once; idempotent.
     */
    public void shutdown() {
        List<ScheduledTask<?>> dropped;
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            dropped = queues.drain();
            dropped.forEach(t -> t.state = ScheduledTask.State.DONE);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        for (ScheduledTask<?> task : dropped) {
            task.future.completeExceptionally(new SchedulerClosedException(
                    "Inference scheduler on " + device + " closed before the task started"));
        }
    }

    /**
     * Waits until running work has finished after a shutdown.
     *
     * @param timeout how long to wait at most
     * @return {@code true} if terminated, {@code false} if the wait timed out
     * @throws InterruptedException if interrupted while waiting
     */
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        return terminated.await(timeoutNanos(timeout), TimeUnit.NANOSECONDS);
    }

    /**
     * {@linkplain #shutdown() Shuts down} and waits until running work has finished. Called from a
     * worker (by work submitted here) it does not wait, which would deadlock. If interrupted while
     * waiting it returns early with the interrupt flag set.
     */
    @Override
    public void close() {
        shutdown();
        if (workers.contains(Thread.currentThread())) {
            return;
        }
        try {
            terminated.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "InferenceScheduler[" + device + ", concurrency " + properties.concurrency() + "]";
    }

    /** @param clickLane whether this is the click lane, which takes immediate tasks only */
    private void workLoop(boolean clickLane) {
        try {
            ScheduledTask<?> task;
            while ((task = take(clickLane)) != null) {
                execute(task);
            }
        } finally {
            if (liveWorkers.decrementAndGet() == 0) {
                deadlines.shutdownNow();
                if (metrics != null) {
                    metrics.remove();
                }
                terminated.countDown();
            }
        }
    }

    /** Blocks until a task may start and marks it running; {@code null} once closed and idle. */
    private ScheduledTask<?> take(boolean clickLane) {
        while (true) {
            List<ScheduledTask<?>> expired = new ArrayList<>(0);
            ScheduledTask<?> task;
            lock.lock();
            try {
                task = pollStartable(expired, clickLane);
                while (task == null && expired.isEmpty() && !closed) {
                    changed.awaitUninterruptibly();
                    task = pollStartable(expired, clickLane);
                }
                if (task != null) {
                    task.state = ScheduledTask.State.RUNNING;
                    task.startedAt = ticker.getAsLong();
                    running.add(task);
                    inFlight++;
                    if (task.priority.deferrable()) {
                        backgroundInFlight++;
                    }
                }
            } finally {
                lock.unlock();
            }
            // Completed outside the lock: completion runs client callbacks.
            long now = ticker.getAsLong();
            expired.forEach(t -> t.timeOut(false, now, 0));
            if (task != null || expired.isEmpty()) {
                return task;
            }
        }
    }

    /**
     * Polls the queues for a task that may start, skipping tasks whose future is already done
     * (cancelled while their removal is in progress) and collecting tasks past their deadline
     * (their expiry action is late).
     */
    private ScheduledTask<?> pollStartable(List<ScheduledTask<?>> expired, boolean clickLane) {
        long now = ticker.getAsLong();
        ScheduledTask<?> task;
        while ((task = clickLane ? queues.nextImmediate() : queues.next(backgroundInFlight)) != null) {
            task.state = ScheduledTask.State.DONE;
            if (task.future.isDone()) {
                continue;
            }
            if (task.startExpiredAt(now)) {
                expired.add(task);
                continue;
            }
            return task;
        }
        return null;
    }

    private void execute(ScheduledTask<?> task) {
        long start = task.startedAt;
        if (metrics != null) {
            metrics.recordQueueTime(task.priority, start - task.submittedAt);
        }
        Runnable completion = task.runWork();
        long end = ticker.getAsLong();
        long nanos = end - start;
        serviceTimes.record(nanos);
        completed.incrementAndGet();
        if (metrics != null) {
            metrics.recordServiceTime(task.priority, nanos);
        }
        lock.lock();
        try {
            task.state = ScheduledTask.State.DONE;
            running.remove(task);
            inFlight--;
            if (task.priority.deferrable()) {
                backgroundInFlight--;
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        // Bookkeeping first, so whoever wakes on the future sees the counts updated.
        if (task.finishExpiredAt(end)) {
            task.timeOut(true, end, start);
        } else {
            completion.run();
        }
    }

    /**
     * The start-deadline action: drops a queued task; for a running task, discards its future
     * result now (finish deadline reached) or re-arms for the finish deadline (if any).
     */
    private void expire(ScheduledTask<?> task) {
        ScheduledTask.State state;
        long now = ticker.getAsLong();
        long startedAt;
        lock.lock();
        try {
            state = task.state;
            startedAt = task.startedAt;
            if (state == ScheduledTask.State.QUEUED) {
                queues.remove(task);
                task.state = ScheduledTask.State.DONE;
            }
        } finally {
            lock.unlock();
        }
        if (state == ScheduledTask.State.QUEUED) {
            task.timeOut(false, now, 0);
        } else if (state == ScheduledTask.State.RUNNING) {
            if (task.finishExpiredAt(now)) {
                task.timeOut(true, now, startedAt);
            } else {
                Long remaining = task.nanosToFinishDeadline(now);
                if (remaining != null) {
                    armExpiry(task, remaining);
                }
            }
        }
    }

    private void armExpiry(ScheduledTask<?> task, long nanos) {
        try {
            task.expiry = deadlines.schedule(() -> expire(task), nanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException terminatedMeanwhile) {
            // Only after close() drained the queues: the task was already failed or has finished.
        }
    }

    /**
     * How long a task submitted now at {@code priority} would wait before it starts: the
     * estimated service time of the tasks queued ahead of it (interactive tasks go before
     * background ones) plus what the running tasks still need by their estimates, shared by the
     * workers. Tasks without an estimate count with the recent mean service time.
     */
    public Duration estimatedWait(Priority priority) {
        long now = ticker.getAsLong();
        long fallback = serviceTimes.mean().toNanos();
        long total = 0;
        boolean click = priority == Priority.IMMEDIATE;
        lock.lock();
        try {
            for (ScheduledTask<?> task : running) {
                if (task.future.isDone() || (click && task.priority != Priority.IMMEDIATE)) {
                    continue; // cancelled or timed out: its work stops at its next check; a click has its own lane
                }
                long estimate = estimateNanos(task, fallback);
                total += Math.max(0, estimate - (now - task.startedAt));
            }
            for (Priority ahead : Priority.values()) {
                if (ahead.ordinal() <= priority.ordinal()) {
                    for (ScheduledTask<?> task : queues.queued(ahead)) {
                        if (task.future.isDone()) {
                            continue;
                        }
                        total += estimateNanos(task, fallback);
                    }
                }
            }
        } finally {
            lock.unlock();
        }
        // Clicks queue for the lane; everything else shares the regular workers.
        return Duration.ofNanos(total / (click ? 1 : properties.concurrency()));
    }

    /** Longest time any running task has been running, zero when idle (a gauge: stuck work shows before it ends). */
    public Duration longestRunning() {
        long now = ticker.getAsLong();
        lock.lock();
        try {
            return Duration.ofNanos(running.stream().mapToLong(t -> now - t.startedAt).max().orElse(0));
        } finally {
            lock.unlock();
        }
    }

    private static long estimateNanos(ScheduledTask<?> task, long fallback) {
        long estimate = task.spec.estimate().toNanos();
        return estimate > 0 ? estimate : fallback;
    }

    /** Runs whenever a task's future completes, by whatever means. */
    private void onFutureDone(ScheduledTask<?> task) {
        var expiry = task.expiry;
        if (expiry != null) {
            expiry.cancel(false);
        }
        lock.lock();
        try {
            // Cancelled or completed by the client while waiting: it must not take a worker.
            if (task.state == ScheduledTask.State.QUEUED) {
                queues.remove(task);
                task.state = ScheduledTask.State.DONE;
            }
        } finally {
            lock.unlock();
        }
    }

    private static long timeoutNanos(Duration timeout) {
        try {
            return Math.min(timeout.toNanos(), MAX_TIMEOUT_NANOS);
        } catch (ArithmeticException tooLong) {
            return MAX_TIMEOUT_NANOS;
        }
    }

    private static ThreadFactory daemon(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            // A scheduler nobody closed must not keep the JVM alive.
            thread.setDaemon(true);
            return thread;
        };
    }
}
