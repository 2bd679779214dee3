package com.fmawsss.scheduler;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.time.Duration;

/**
 * Settings of the per-device {@link InferenceScheduler}, bound from {@code fma.scheduler.*}.
 *
 * @param concurrency worker threads per device; default 1, because the device, not the JVM, is
 *     the bottleneck and concurrent kernels on one GPU mostly add memory pressure
 * @param queueCapacity interactive tasks that may wait; beyond it submissions fail with {@link
 *     QueueFullException} ({@code 429}); default 32
 * @param backgroundQueueCapacity background tasks that may wait; default 1024
 * @param requestTimeout default deadline of a task, counted from submission; default 120 s
 */
@ConfigurationProperties("fma.scheduler")
public record SchedulerProperties(
        @DefaultValue("1") int concurrency,
        @DefaultValue("32") int queueCapacity,
        @DefaultValue("1024") int backgroundQueueCapacity,
        @DefaultValue("120s") Duration requestTimeout) {

    /** Default worker threads per device. */
    public static final int DEFAULT_CONCURRENCY = 1;

    /** Default interactive queue capacity. */
    public static final int DEFAULT_QUEUE_CAPACITY = 32;

    /** Default background queue capacity. */
    public static final int DEFAULT_BACKGROUND_QUEUE_CAPACITY = 1024;

    /** Default deadline of a task. */
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(120);

    /** Validates the values; a bad setting fails startup instead of misbehaving under load. */
    public SchedulerProperties {
        if (concurrency < 1) {
            throw new IllegalArgumentException(
                    "fma.scheduler.concurrency must be >= 1: " + concurrency);
        }
        if (queueCapacity < 1) {
            throw new IllegalArgumentException(
                    "fma.scheduler.queue-capacity must be >= 1: " + queueCapacity);
        }
        if (backgroundQueueCapacity < 1) {
            throw new IllegalArgumentException(
                    "fma.scheduler.background-queue-capacity must be >= 1: "
                            + backgroundQueueCapacity);
        }
        if (requestTimeout == null) {
            requestTimeout = DEFAULT_REQUEST_TIMEOUT;
        }
        if (requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException(
                    "fma.scheduler.request-timeout must be positive: " + requestTimeout);
        }
    }

    /**
     * Returns the defaults: concurrency 1, queue capacity 32, background queue capacity 1024,
     * request timeout 120 s.
     *
     * @return the default settings
     */
    public static SchedulerProperties defaults() {
        return new SchedulerProperties(
                DEFAULT_CONCURRENCY,
                DEFAULT_QUEUE_CAPACITY,
                DEFAULT_BACKGROUND_QUEUE_CAPACITY,
                DEFAULT_REQUEST_TIMEOUT);
    }

    public SchedulerProperties withConcurrency(int value) {
        return new SchedulerProperties(
                value, queueCapacity, backgroundQueueCapacity, requestTimeout);
    }

    /**
     * Returns a copy with other queue capacities.
     *
     * @param interactive interactive queue capacity
     * @param background background queue capacity
     * @return the new settings
     */
    public SchedulerProperties withCapacities(int interactive, int background) {
        return new SchedulerProperties(concurrency, interactive, background, requestTimeout);
    }

    /**
     * Returns a copy with another default timeout.
     *
     * @param value default deadline of a task
     * @return the new settings
     */
    public SchedulerProperties withRequestTimeout(Duration value) {
        return new SchedulerProperties(concurrency, queueCapacity, backgroundQueueCapacity, value);
    }
}
