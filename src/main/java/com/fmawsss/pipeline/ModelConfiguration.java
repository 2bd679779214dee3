package com.fmawsss.pipeline;

import com.fmawsss.bundle.BundleVerifier;
import com.fmawsss.bundle.ModelBundle;
import com.fmawsss.cam.CamEngine;
import com.fmawsss.config.FmaProperties;
import com.fmawsss.image.ImageDecoder;
import com.fmawsss.prompts.PromptStore;
import com.fmawsss.prompts.PromptStoreProperties;
import com.fmawsss.sam.AmgSettings;
import com.fmawsss.sam.QuasiSuperpixelService;
import com.fmawsss.scheduler.InferenceScheduler;
import java.time.Duration;
import java.time.Instant;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.ResourceLoader;
import org.springframework.scheduling.TaskScheduler;

/**
 * The service's models, set up by {@link ModelSetup} from the {@code fma.*} properties exactly as
 * the batch commands set up theirs: the bundle (verified and loaded while the context starts, so a
 * missing or corrupt bundle stops the service with the bundle's message instead of failing later
 * on a request), the prompt store, the pipeline with its superpixel cache, the one door to the
 * device, and the mask-generation profiles.
 */
@Configuration(proxyBeanMethods = false)
public class ModelConfiguration {

    @Bean
    public BundleVerifier bundleVerifier() {
        return new BundleVerifier();
    }

    /**
     * @param intraOpThreads libtorch intra-op threads ({@code fma.torch.intra-op-threads}, 0 = default)
     * @param interOpThreads libtorch inter-op threads ({@code fma.torch.inter-op-threads}, 0 = default)
     */
    @Bean(destroyMethod = "close")
    public ModelBundle modelBundle(FmaProperties properties, BundleVerifier verifier, ResourceLoader resourceLoader,
            @Value("${fma.torch.intra-op-threads:0}") int intraOpThreads,
            @Value("${fma.torch.inter-op-threads:0}") int interOpThreads) {
        ModelSetup.Settings settings = new ModelSetup.Settings(properties.bundle().dir(), properties.state().dir(),
                properties.device(), properties.dtype(), properties.dtypeMaxError(), intraOpThreads, interOpThreads);
        return ModelSetup.loadBundle(settings, verifier, resourceLoader.getClassLoader());
    }

    /**
     * The prompt store, also the registry inference uses; re-read every {@code fma.prompts.poll-interval}
     * (zero disables), so it follows other replicas' changes.
     */
    @Bean
    public PromptStore promptRegistry(FmaProperties properties, PromptStoreProperties store, ModelBundle bundle,
            TaskScheduler scheduler) {
        PromptStore prompts = ModelSetup.promptStore(properties.state().dir(), bundle);
        Duration interval = store.pollInterval();
        if (interval != null && interval.isPositive()) {
            scheduler.scheduleWithFixedDelay(prompts::refresh, Instant.now().plus(interval), interval);
        }
        return prompts;
    }

    /**
     * The pipeline, with the memory + disk superpixel cache under the state directory; its stage
     * reports also go to the stage timers when the metrics are wired (optional so that slices of the
     * context without them still start).
     */
    @Bean
    public FmaPipeline fmaPipeline(ModelBundle bundle, FmaProperties properties, SamProperties sam,
            ObjectProvider<StageMetrics> metrics) {
        return ModelSetup.pipeline(bundle, sam.cacheBytes(),
                sam.diskCache() ? properties.state().dir().resolve(ModelSetup.SUPERPIXELS_DIR) : null,
                sam.embeddingCacheBytes(), metrics.getIfAvailable(() -> StageMetrics.NONE));
    }

    /** The pipeline's CAM engine, which training differentiates through. */
    @Bean
    public CamEngine camEngine(FmaPipeline pipeline) {
        return pipeline.cams();
    }

    @Bean
    public QuasiSuperpixelService quasiSuperpixels(FmaPipeline pipeline) {
        return pipeline.superpixels();
    }

    /** The one door to the device for pipeline work. */
    @Bean
    public PipelineExecutor pipelineExecutor(FmaPipeline pipeline, InferenceScheduler scheduler, SamProperties sam) {
        return new PipelineExecutor(pipeline, scheduler, sam.seenImageBytes());
    }

    @Bean
    public AmgProfileResolver amgProfiles(ModelBundle bundle, SamProperties sam) {
        return ModelSetup.amgProfiles(bundle, sam.profile(), sam.override());
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
