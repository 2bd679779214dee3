package com.fmawsss.metrics;

import com.fmawsss.bundle.BundleManifest;
import com.fmawsss.bundle.Devices;
import com.fmawsss.bundle.ModelBundle;
import com.fmawsss.prompts.PromptRegistry;
import com.fmawsss.prompts.PromptSet;
import com.fmawsss.sam.QuasiSuperpixelService;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.time.Duration;
import java.time.Instant;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.TaskScheduler;

/** The service's own meters (docs/metrics.md); HTTP and JVM meters come from Spring Boot. */
@Configuration(proxyBeanMethods = false)
public class MetricsConfiguration {

    /** Per-stage timers, handed to the engines by the pipeline configuration. */
    @Bean
    public StageTimers stageTimers(MeterRegistry registry) {
        return new StageTimers(registry);
    }

    /**
     * Superpixel cache and SAM encoder meters.
     *
     * @param superpixels the quasi-superpixel service
     * @return the binder (bound by Spring Boot)
     */
    @Bean
    public SuperpixelMetrics superpixelMetrics(QuasiSuperpixelService superpixels) {
        return new SuperpixelMetrics(superpixels);
    }

    /**
     * Device memory gauge.
     *
     * @param bundle the loaded bundle (its device)
     * @return the binder (bound by Spring Boot)
     */
    @Bean
    public DeviceMemory deviceMemory(ModelBundle bundle) {
        return new DeviceMemory(bundle.device(), Devices.name(bundle.device()));
    }

    /**
     * The info gauge, following the active prompt version.
     *
     * @param bundle the loaded bundle
     * @param prompts the prompt registry
     * @param metrics {@code fma.metrics.info-refresh}: how often to check the active version
     * @return the gauge holder
     */
    @Bean
    public InfoMetric infoMetric(MeterRegistry registry, ModelBundle bundle, PromptRegistry prompts,
            MetricsProperties metrics, TaskScheduler scheduler) {
        Duration period = metrics.infoRefresh();
        BundleManifest m = bundle.manifest();
        Tags fixed = Tags.of(
                "bundle_clip", source(m.clip().source(), m.clip().revision()),
                "bundle_sam", source(m.sam().source(), m.sam().revision()),
                "device", Devices.name(bundle.device()));
        InfoMetric info = new InfoMetric(registry, fixed, () -> {
            PromptSet active = prompts.active();
            return active == null ? null : active.id();
        });
        scheduler.scheduleWithFixedDelay(info::refreshQuietly, Instant.now().plus(period), period);
        return info;
    }

    /** Job gauges (used by the job runner). */
    @Bean
    public JobMetrics jobMetrics(MeterRegistry registry) {
        return new JobMetrics(registry);
    }

    private static String source(String source, String revision) {
        return revision == null || revision.isBlank() ? source : source + "@" + revision;
    }
}
