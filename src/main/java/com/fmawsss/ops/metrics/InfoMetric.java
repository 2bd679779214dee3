package com.fmawsss.ops.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * {@code fma_info{bundle_clip, bundle_sam, device, prompt_version} 1}: what this replica serves,
 * for joins in PromQL and dashboards. The prompt version is a label, so an activation means a new
 * series: {@link #refresh()} removes the old gauge and registers the new one. It runs on a timer
 * (activation may happen on another replica and reach this one through the shared prompt store)
 * and may also be called directly by whoever activates a version.
 */
public final class InfoMetric implements AutoCloseable {

    /** Micrometer name (Prometheus: {@code fma_info}). */
    public static final String NAME = "fma.info";

    private final MeterRegistry registry;
    private final Tags fixed;
    private final Supplier<String> promptVersion;
    private ScheduledExecutorService poller;
    private Gauge gauge;
    private String version;

    /**
     * Creates the gauge and registers it with the current prompt version.
     *
     * @param registry where to register
     * @param fixed labels that never change: bundle_clip, bundle_sam, device
     * @param promptVersion reads the active prompt version
     */
    public InfoMetric(MeterRegistry registry, Tags fixed, Supplier<String> promptVersion) {
        this.registry = registry;
        this.fixed = fixed;
        this.promptVersion = promptVersion;
        refresh();
    }

    /**
     * Re-registers the gauge when the active prompt version changed since the last call.
     *
     * @return true when the gauge was re-registered
     */
    public synchronized boolean refresh() {
        String current = Objects.requireNonNullElse(promptVersion.get(), "none");
        if (current.equals(version)) {
            return false;
        }
        if (gauge != null) {
            registry.remove(gauge);
        }
        gauge = Gauge.builder(NAME, () -> 1)
                .description("Build and model information of this replica; the value is always 1")
                .tags(fixed.and("prompt_version", current))
                .strongReference(true)
                .register(registry);
        version = current;
        return true;
    }

    /**
     * Returns the prompt version the gauge carries.
     *
     * @return the version label
     */
    public synchronized String promptVersion() {
        return version;
    }

    /**
     * Starts polling the prompt version on a daemon thread.
     *
     * @param period time between checks
     * @return this
     */
    public synchronized InfoMetric startPolling(Duration period) {
        if (poller == null) {
            poller = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("fma-info-metric").factory());
            poller.scheduleWithFixedDelay(this::refreshQuietly, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
        }
        return this;
    }

    private void refreshQuietly() {
        try {
            refresh();
        } catch (RuntimeException e) {
            // A failing check must not cancel the schedule; the next one retries.
        }
    }

    /** Stops polling; the gauge stays registered until the registry closes. */
    @Override
    public synchronized void close() {
        if (poller != null) {
            poller.shutdownNow();
            poller = null;
        }
    }
}
