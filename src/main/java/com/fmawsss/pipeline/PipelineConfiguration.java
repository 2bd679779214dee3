package com.fmawsss.pipeline;

import com.fmawsss.FmaProperties;
import com.fmawsss.bundle.ModelBundle;
import com.fmawsss.cam.CamEngine;
import com.fmawsss.image.ImageDecoder;
import com.fmawsss.progress.Progress;
import com.fmawsss.sam.AmgSettings;
import com.fmawsss.sam.QuasiSuperpixelService;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

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

    /** Quasi-superpixels with the memory + disk cache under the state directory. */
    @Bean
    public QuasiSuperpixelService quasiSuperpixels(ModelBundle bundle, FmaProperties properties, SamProperties sam) {
        return new QuasiSuperpixelService(bundle, sam.cacheBytes(), sam.diskCache() ? properties.state().dir().resolve("superpixels") : null);
    }

    /**
     * The seed pipeline; its stage reports also go to the stage timers when the metrics are wired
     * (optional so that slices of the context without them still start).
     */
    @Bean
    public SeedPipeline seedPipeline(CamEngine cams, QuasiSuperpixelService superpixels, ObjectProvider<StageMetrics> metrics) {
        return new SeedPipeline(cams, superpixels, metrics.getIfAvailable(() -> StageMetrics.NONE));
    }

    @Bean
    public AmgProfileResolver amgProfiles(ModelBundle bundle, SamProperties sam) {
        return new AmgProfileResolver(sam.profile(), bundle.demo(), bundle.device().isGpu(), sam.override());
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
