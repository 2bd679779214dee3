package com.fmawsss.scheduler;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * One bounded FIFO queue per priority and the rule choosing the next task. Not thread-safe: the
 * scheduler calls it under its lock.
 *
 * <p>The rule ({@link #next}): the oldest immediate task (a click) if any waits, then the oldest
 * interactive task; otherwise the oldest async task, then the oldest background task, but only
 * while fewer than {@code backgroundLimit} async and background tasks run. The click lane takes
 * immediate tasks only ({@link #nextImmediate}). Running tasks are never preempted.
 */
final class TaskQueues {

    private final Map<Priority, ArrayDeque<ScheduledTask<?>>> queues =
            new EnumMap<>(Priority.class);
    private final Map<Priority, Integer> capacities = new EnumMap<>(Priority.class);
    private final int backgroundLimit;

    /**
     * Creates empty queues.
     *
     * @param interactiveCapacity tasks that may wait at {@link Priority#INTERACTIVE}
     * @param backgroundCapacity tasks that may wait at {@link Priority#BACKGROUND}, and as many at
     *     {@link Priority#ASYNC} (the async request store bounds its own pending requests)
     * @param backgroundLimit non-interactive tasks that may run at once
     */
    TaskQueues(int interactiveCapacity, int backgroundCapacity, int backgroundLimit) {
        capacities.put(Priority.IMMEDIATE, interactiveCapacity);
        capacities.put(Priority.INTERACTIVE, interactiveCapacity);
        capacities.put(Priority.ASYNC, backgroundCapacity);
        capacities.put(Priority.BACKGROUND, backgroundCapacity);
        for (Priority p : Priority.values()) {
            queues.put(p, new ArrayDeque<>());
        }
        this.backgroundLimit = backgroundLimit;
    }

    /**
     * Appends a task to the queue of its priority.
     *
     * @return {@code false} if that queue is full
     */
    boolean offer(ScheduledTask<?> task) {
        ArrayDeque<ScheduledTask<?>> queue = queues.get(task.priority);
        if (queue.size() >= capacity(task.priority)) {
            return false;
        }
        queue.addLast(task);
        return true;
    }

    /**
     * Removes a waiting task.
     *
     * @return {@code true} if it was waiting
     */
    boolean remove(ScheduledTask<?> task) {
        return queues.get(task.priority).remove(task);
    }

    /**
     * Removes and returns the task to run next.
     *
     * @param backgroundRunning non-interactive tasks running now
     * @return the task, or {@code null} if none may start now
     */
    ScheduledTask<?> next(int backgroundRunning) {
        ScheduledTask<?> task = queues.get(Priority.IMMEDIATE).pollFirst();
        if (task == null) {
            task = queues.get(Priority.INTERACTIVE).pollFirst();
        }
        if (task == null && backgroundRunning < backgroundLimit) {
            task = queues.get(Priority.ASYNC).pollFirst();
            if (task == null) {
                task = queues.get(Priority.BACKGROUND).pollFirst();
            }
        }
        return task;
    }

    /** Removes and returns the oldest immediate task, the only kind the click lane takes; {@code null} if none waits. */
    ScheduledTask<?> nextImmediate() {
        return queues.get(Priority.IMMEDIATE).pollFirst();
    }

    /**
     * Removes and returns every waiting task, interactive first.
     *
     * @return the tasks, in the order they would have run
     */
    List<ScheduledTask<?>> drain() {
        List<ScheduledTask<?>> all = new ArrayList<>();
        for (ArrayDeque<ScheduledTask<?>> queue : queues.values()) {
            all.addAll(queue);
            queue.clear();
        }
        return all;
    }

    /** The tasks waiting at one priority, oldest first (a view: read it under the scheduler's lock). */
    Iterable<ScheduledTask<?>> queued(Priority priority) {
        return queues.get(priority);
    }

    int depth(Priority priority) {
        return queues.get(priority).size();
    }

    /**
     * Returns a queue's capacity.
     *
     * @param priority the queue
     * @return tasks that may wait in it
     */
    int capacity(Priority priority) {
        return capacities.get(priority);
    }
}
