package com.fmawsss.pipeline;

import com.fmawsss.FmaProperties;
import com.fmawsss.bundle.ModelBundle;
import com.fmawsss.cam.CamEngine;
import com.fmawsss.image.ImageDecoder;
import com.fmawsss.progress.Progress;
import com.fmawsss.sam.AmgSettings;
import com.fmawsss.sam.QuasiSuperpixels;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * Wires the pipeline over the loaded bundle: engines, superpixel cache and mask-generation
 * settings (prompt sets: {@link com.fmawsss.prompts.PromptStoreConfiguration}; the device's
 * scheduler: {@code ops.scheduler}).
 */
@Configuration(proxyBeanMethods = false)
public class PipelineConfiguration {

    @Bean
    public CamEngine camEngine(ModelBundle bundle) {
        return new CamEngine(bundle);
    }

    /**
     * Quasi-superpixels with the memory + disk cache under the state directory.
     *
     * @param memoryBytes memory budget of the cache ({@code fma.sam.cache-bytes})
     * @param diskCache whether to keep a disk tier ({@code fma.sam.disk-cache})
     */
    @Bean
    public QuasiSuperpixels quasiSuperpixels(
            ModelBundle bundle,
            FmaProperties properties,
            @Value("${fma.sam.cache-bytes:268435456}") long memoryBytes,
            @Value("${fma.sam.disk-cache:true}") boolean diskCache) {
        return new QuasiSuperpixels(bundle, memoryBytes, diskCache ? properties.state().dir().resolve("superpixels") : null);
    }

    /**
     * The seed pipeline; its stage reports also go to the stage timers when the metrics are wired
     * (optional so that slices of the context without them still start).
     */
    @Bean
    public SeedPipeline seedPipeline(CamEngine cams, QuasiSuperpixels superpixels, ObjectProvider<StageMetrics> metrics) {
        return new SeedPipeline(cams, superpixels, metrics.getIfAvailable(() -> StageMetrics.NONE));
    }

    /**
     * Mask-generation profiles of runs ({@code fma.sam.profile}, default {@code auto}), with the
     * field overrides of {@code fma.sam.override.*} applied.
     */
    @Bean
    public AmgProfileResolver amgProfiles(ModelBundle bundle, @Value("${fma.sam.profile:auto}") String profile,
            Environment environment) {
        Map<String, String> overrides = Binder.get(environment)
                .bind("fma.sam.override", Bindable.mapOf(String.class, String.class))
                .orElse(Map.of());
        return new AmgProfileResolver(profile, bundle.demo(), bundle.device().isGpu(), overrides);
    }

    /** The default mask-generation settings (jobs and requests that name no profile). */
    @Bean
    public AmgSettings amgSettings(AmgProfileResolver profiles) {
        return profiles.resolve(null, null).settings();
    }

    @Bean
    public ImageDecoder imageDecoder() {
        return new ImageDecoder();
    }
}
