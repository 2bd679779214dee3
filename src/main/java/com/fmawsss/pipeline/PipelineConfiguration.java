package com.fmawsss.pipeline;

import com.fmawsss.FmaProperties;
import com.fmawsss.api.ApiProperties;
import com.fmawsss.bundle.ModelBundle;
import com.fmawsss.cam.CamEngine;
import com.fmawsss.image.ImageDecoder;
import com.fmawsss.ops.metrics.StageTimings;
import com.fmawsss.ops.scheduler.InferenceScheduler;
import com.fmawsss.ops.scheduler.SchedulerProperties;
import com.fmawsss.sam.AmgOverrides;
import com.fmawsss.sam.AmgProfiles;
import com.fmawsss.sam.AmgSettings;
import com.fmawsss.sam.QuasiSuperpixels;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/** Wires the pipeline over the loaded bundle: engines, superpixel cache, scheduler (prompt sets: {@link com.fmawsss.prompts.PromptStoreConfiguration}). */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties({SchedulerProperties.class, ApiProperties.class})
public class PipelineConfiguration {

    /**
     * The CAM engine.
     *
     * @param bundle the bundle
     * @param timings stage timers (ops.metrics), if any
     * @return the engine
     */
    @Bean
    public CamEngine camEngine(ModelBundle bundle, ObjectProvider<StageTimings> timings) {
        return new CamEngine(bundle, timingsOf(timings));
    }

    /**
     * Quasi-superpixels with the memory + disk cache under the state directory.
     *
     * @param bundle the bundle
     * @param properties service properties
     * @param memoryBytes memory budget of the cache ({@code fma.sam.cache-bytes})
     * @param diskCache whether to keep a disk tier ({@code fma.sam.disk-cache})
     * @param timings stage timers (ops.metrics), if any
     * @return the service
     */
    @Bean
    public QuasiSuperpixels quasiSuperpixels(
            ModelBundle bundle,
            FmaProperties properties,
            @Value("${fma.sam.cache-bytes:268435456}") long memoryBytes,
            @Value("${fma.sam.disk-cache:true}") boolean diskCache,
            ObjectProvider<StageTimings> timings) {
        return new QuasiSuperpixels(bundle, memoryBytes, diskCache ? properties.state().dir().resolve("superpixels") : null,
                timingsOf(timings));
    }

    /**
     * The seed pipeline.
     *
     * @param cams CAM engine
     * @param superpixels superpixel service
     * @param timings stage timers (ops.metrics), if any
     * @return the pipeline
     */
    @Bean
    public SeedPipeline seedPipeline(CamEngine cams, QuasiSuperpixels superpixels, ObjectProvider<StageTimings> timings) {
        return new SeedPipeline(cams, superpixels, timingsOf(timings));
    }

    // Optional so that slices of the context without the metrics configuration still start.
    private static StageTimings timingsOf(ObjectProvider<StageTimings> timings) {
        return timings.getIfAvailable(() -> StageTimings.NONE);
    }

    /**
     * Mask-generation settings of requests ({@code fma.sam.profile}: {@code auto} = {@code demo}
     * for the demo bundle, {@code official} otherwise), with the field overrides of {@code
     * fma.sam.override.*} applied.
     *
     * @param bundle the bundle
     * @param profile the profile name
     * @param environment where the overrides are read
     * @return the settings
     */
    @Bean
    public AmgSettings amgSettings(ModelBundle bundle, @Value("${fma.sam.profile:auto}") String profile, Environment environment) {
        AmgSettings base = AmgProfiles.named("auto".equals(profile) ? (bundle.demo() ? "demo" : "official") : profile);
        Map<String, String> overrides = Binder.get(environment)
                .bind("fma.sam.override", Bindable.mapOf(String.class, String.class))
                .orElse(Map.of());
        return AmgOverrides.apply(base, overrides);
    }

    /**
     * One inference scheduler for the bundle's device.
     *
     * @param bundle the bundle
     * @param properties scheduler settings
     * @param registry metrics
     * @return the scheduler
     */
    @Bean(destroyMethod = "close")
    public InferenceScheduler inferenceScheduler(ModelBundle bundle, SchedulerProperties properties, MeterRegistry registry) {
        return new InferenceScheduler(com.fmawsss.bundle.Devices.name(bundle.device()), properties, registry);
    }

    /**
     * Image decoding.
     *
     * @return the decoder
     */
    @Bean
    public ImageDecoder imageDecoder() {
        return new ImageDecoder();
    }
}
