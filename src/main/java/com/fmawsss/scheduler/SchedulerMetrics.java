package com.fmawsss.scheduler;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Micrometer meters of one {@link InferenceScheduler}. Every meter carries a {@code device} tag,
 * so the schedulers of several devices can share a registry. Names below are Micrometer names;
 * the Prometheus names are given with each.
 *
 * <p>Gauges and counters read the scheduler's own getters, so the meters and the getters never
 * disagree. The meters are removed from the registry when the scheduler terminates.
 */
public final class SchedulerMetrics {

    /**
     * Gauge of waiting tasks, tags {@code device}, {@code priority}: {@code
     * fma_inference_queue_depth}.
     */
    public static final String QUEUE_DEPTH = "fma.inference.queue.depth";

    /** Gauge of running tasks, tag {@code device}: {@code fma_inference_in_flight}. */
    public static final String IN_FLIGHT = "fma.inference.in.flight";

    /**
     * Counter of submissions refused by a full queue, tags {@code device}, {@code priority}:
     * {@code fma_inference_rejected_total}.
     */
    public static final String REJECTED = "fma.inference.rejected";

    /**
     * Counter of tasks whose work ran to the end (normally or by throwing), tag {@code device}:
     * {@code fma_inference_completed_total}.
     */
    public static final String COMPLETED = "fma.inference.completed";

    /**
     * Timer of the work's duration on a worker, tags {@code device}, {@code priority}: {@code
     * fma_inference_service_time_seconds_{count,sum,max}}.
     */
    public static final String SERVICE_TIME = "fma.inference.service.time";

    /** Timer of the time a task waited for a worker, tags {@code device}, {@code priority}. */
    public static final String QUEUE_TIME = "fma.inference.queue.time";

    /** Gauge: seconds the longest-running task has been running (0 when idle), tag {@code device}. */
    public static final String LONGEST_RUNNING = "fma.inference.longest.running";

    private final MeterRegistry registry;
    private final List<Meter> meters = new ArrayList<>();
    private final Map<Priority, Timer> serviceTimes = new EnumMap<>(Priority.class);
    private final Map<Priority, Timer> queueTimes = new EnumMap<>(Priority.class);

    private SchedulerMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /**
     * Registers the meters of a scheduler.
     *
     * @param registry where to register
     * @param scheduler the scheduler whose getters the meters read
     * @return the registered meters
     */
    static SchedulerMetrics register(MeterRegistry registry, InferenceScheduler scheduler) {
        SchedulerMetrics metrics = new SchedulerMetrics(registry);
        Tags device = Tags.of("device", scheduler.device());
        for (Priority p : Priority.values()) {
            Tags tags = device.and("priority", p.tag());
            metrics.meters.add(Gauge.builder(QUEUE_DEPTH, scheduler, s -> s.queueDepth(p))
                    .description("Inference tasks waiting for a worker")
                    .tags(tags)
                    .strongReference(true)
                    .register(registry));
            metrics.meters.add(FunctionCounter.builder(REJECTED, scheduler, s -> s.rejectedCount(p))
                    .description("Inference submissions refused because the queue was full")
                    .tags(tags)
                    .register(registry));
            Timer timer = Timer.builder(SERVICE_TIME)
                    .description("Time inference work occupied a worker")
                    .tags(tags)
                    .register(registry);
            metrics.serviceTimes.put(p, timer);
            metrics.meters.add(timer);
            Timer queueTimer = Timer.builder(QUEUE_TIME)
                    .description("Time inference work waited for a worker (service time excluded)")
                    .tags(tags)
                    .register(registry);
            metrics.queueTimes.put(p, queueTimer);
            metrics.meters.add(queueTimer);
        }
        metrics.meters.add(Gauge.builder(IN_FLIGHT, scheduler, InferenceScheduler::inFlight)
                .description("Inference tasks running on a worker")
                .tags(device)
                .strongReference(true)
                .register(registry));
        metrics.meters.add(Gauge.builder(LONGEST_RUNNING, scheduler, sch -> sch.longestRunning().toNanos() / 1e9)
                .description("How long the longest-running inference task has been running, 0 when idle")
                .tags(device)
                .baseUnit("seconds")
                .strongReference(true)
                .register(registry));
        metrics.meters.add(FunctionCounter.builder(
                        COMPLETED, scheduler, InferenceScheduler::completedCount)
                .description("Inference tasks whose work ran to the end")
                .tags(device)
                .register(registry));
        return metrics;
    }

    /**
     * Records the duration of one task's work.
     *
     * @param priority the task's priority
     * @param nanos the duration
     */
    void recordQueueTime(Priority priority, long nanos) {
        queueTimes.get(priority).record(Math.max(0, nanos), TimeUnit.NANOSECONDS);
    }

    void recordServiceTime(Priority priority, long nanos) {
        serviceTimes.get(priority).record(Math.max(0, nanos), TimeUnit.NANOSECONDS);
    }

    /** Removes the meters from the registry, so a new scheduler for the device starts afresh. */
    void remove() {
        meters.forEach(registry::remove);
    }
}
