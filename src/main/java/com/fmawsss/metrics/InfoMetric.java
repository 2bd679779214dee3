package com.fmawsss.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * {@code fma_info{bundle_clip, bundle_sam, device, prompt_version} 1}: what this replica serves,
 * for joins in PromQL and dashboards. The prompt version is a label, so an activation means a new
 * series: {@link #refresh()} removes the old gauge and registers the new one. It runs on a timer
 * (activation may happen on another replica and reach this one through the shared prompt store)
 * and may also be called directly by whoever activates a version.
 */
public final class InfoMetric {

    /** Micrometer name (Prometheus: {@code fma_info}). */
    public static final String NAME = "fma.info";

    private final MeterRegistry registry;
    private final Tags fixed;
    private final Supplier<String> promptVersion;
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

    /** {@link #refresh()} for a scheduler: a failing check must not cancel the schedule; the next one retries. */
    public void refreshQuietly() {
        try {
            refresh();
        } catch (RuntimeException e) {
            // retried at the next period
        }
    }
}
