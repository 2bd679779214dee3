package com.fmawsss.labeling.labelstudio;

import com.fmawsss.config.FmaProperties;
import com.fmawsss.image.ImageDecoder;
import com.fmawsss.labeling.Segmenter;
import com.fmawsss.security.DataRoots;
import com.fmawsss.security.GuardedHttpClient;
import com.fmawsss.security.OutboundPolicy;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Wires the Label Studio integration: the guarded HTTP client (the Label Studio host and {@code
 * allowed-hosts} only), the REST client, the predictor, the correction dataset and the
 * pre-annotation jobs. The HTTP endpoints are in {@code com.fmawsss.api.labelstudio}.
 */
@Configuration(proxyBeanMethods = false)
public class LabelStudioConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(LabelStudioConfiguration.class);

    /**
     * The outbound client of the integration.
     *
     * @param properties settings
     * @return the client
     */
    @Bean
    public GuardedHttpClient labelStudioHttp(LabelStudioProperties properties) {
        OutboundPolicy policy = outboundPolicy(properties, OutboundPolicy.systemResolver());
        LOG.info("Label Studio integration: {} (images from {})", properties, policy.allowedHosts());
        return new GuardedHttpClient(policy, Duration.ofSeconds(Math.min(10, Math.max(1, properties.fetchTimeout().toSeconds()))),
                properties.fetchTimeout(), properties.maxRedirects());
    }

    /**
     * What the integration may reach: the Label Studio origin at whatever address it has (a Label
     * Studio beside the service is on a private or loopback address; never link-local or metadata
     * addresses), other hosts only when allowed and by the address rules of {@link OutboundPolicy}.
     *
     * @param properties settings
     * @param resolver name resolution
     * @return the policy
     */
    public static OutboundPolicy outboundPolicy(LabelStudioProperties properties, OutboundPolicy.HostResolver resolver) {
        List<URI> trusted = properties.url() != null && properties.url().getHost() != null ? List.of(properties.url()) : List.of();
        return new OutboundPolicy(properties.allowedHosts(), trusted, properties.allowLoopback(), properties.allowPrivateAddresses(),
                resolver);
    }

    /**
     * The REST client for requests a tool waits for (no rate limit).
     *
     * @param properties settings
     * @param http the outbound client
     */
    @Bean
    public LabelStudioClient labelStudioClient(LabelStudioProperties properties, GuardedHttpClient labelStudioHttp) {
        return new LabelStudioClient(properties.url(), labelStudioHttp, auth(properties, labelStudioHttp), RateLimiter.NONE,
                properties.maxImageBytes());
    }

    @Bean
    public LabelStudioClicks labelStudioClicks(Segmenter segmenter, ImageDecoder decoder, LabelStudioProperties properties) {
        return new LabelStudioClicks(segmenter, decoder, properties);
    }

    @Bean
    public LabelStudioPredictor labelStudioPredictor(Segmenter segmenter, ImageDecoder decoder, LabelStudioProperties properties) {
        return new LabelStudioPredictor(segmenter, decoder, properties);
    }

    /**
     * The correction dataset; entries a previous process left are processed at start.
     *
     * @param fma service settings (the state directory holds the datasets without data roots)
     * @param roots data roots
     * @param properties settings
     * @param segmenter the inference (active vocabulary, image limits)
     * @param labelStudioClient fetches images
     * @param decoder image decoding
     * @return the dataset
     */
    @Bean(destroyMethod = "close")
    public CorrectionDataset correctionDataset(FmaProperties fma, DataRoots roots, LabelStudioProperties properties,
            Segmenter segmenter, LabelStudioClient labelStudioClient, ImageDecoder decoder) {
        CorrectionDataset dataset = new CorrectionDataset(() -> properties.correctionsRoot(roots, fma.state().dir()),
                () -> segmenter.activePromptSet().vocabulary(), labelStudioClient, decoder, segmenter.imageLimits());
        dataset.start();
        return dataset;
    }

    /**
     * Pre-annotation jobs, with their own rate-limited client.
     *
     * @param properties settings
     * @param labelStudioHttp the outbound client
     * @param labelStudioClient the interactive client
     * @param segmenter the inference
     * @return the job factory (also a resumer for the job runner)
     */
    @Bean
    public LabelStudioJobs labelStudioJobs(LabelStudioProperties properties, GuardedHttpClient labelStudioHttp,
            LabelStudioClient labelStudioClient, LabelStudioPredictor predictor, Segmenter segmenter) {
        LabelStudioClient limited = labelStudioClient.forJob(new RateLimiter(properties.rateLimit()),
                auth(properties, labelStudioHttp), properties.apiTimeout());
        return new LabelStudioJobs(properties, limited, predictor, segmenter);
    }

    private static LabelStudioAuth auth(LabelStudioProperties properties, GuardedHttpClient http) {
        if (properties.url() == null || properties.apiKey() == null) {
            return null;
        }
        return new LabelStudioAuth(properties.url(), properties.apiKey(), http, Clock.systemUTC());
    }
}
