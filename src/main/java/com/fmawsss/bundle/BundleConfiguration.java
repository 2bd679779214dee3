package com.fmawsss.bundle;

import ai.djl.Device;

import com.fmawsss.FmaProperties;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.ResourceLoader;

import java.nio.file.Path;

/**
 * Provides the {@link ModelBundle}: verified and loaded while the context starts, so a missing or
 * corrupt bundle stops the service with the {@link BundleException} message instead of failing
 * later on a request.
 */
@Configuration(proxyBeanMethods = false)
public class BundleConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(BundleConfiguration.class);

    @Bean
    public BundleVerifier bundleVerifier() {
        return new BundleVerifier();
    }

    /**
     * Verifies and loads the configured bundle, or the demo bundle when {@code fma.bundle.dir} is
     * unset.
     *
     * @param properties service configuration
     * @param verifier bundle checker
     * @param resourceLoader gives the class loader holding the packaged demo bundle
     * @param intraOpThreads libtorch intra-op threads ({@code fma.torch.intra-op-threads}, 0 = default)
     * @param interOpThreads libtorch inter-op threads ({@code fma.torch.inter-op-threads}, 0 = default)
     * @return the loaded bundle, closed with the context
     */
    @Bean(destroyMethod = "close")
    public ModelBundle modelBundle(
            FmaProperties properties, BundleVerifier verifier, ResourceLoader resourceLoader,
            @Value("${fma.torch.intra-op-threads:0}") int intraOpThreads,
            @Value("${fma.torch.inter-op-threads:0}") int interOpThreads) {
        TorchThreads.apply(intraOpThreads, interOpThreads);
        Path configured = properties.bundle().dir();
        boolean demo = configured == null;
        Path dir =
                demo
                        ? new DemoBundle(resourceLoader.getClassLoader(), verifier)
                                .materialize(properties.state().dir())
                        : configured;
        BundleManifest manifest = verifier.verify(dir);
        Device device = Devices.resolve(properties.device());
        boolean fastBf16 = Bf16Hardware.fast(device);
        ComputePrecision precision = ComputePrecision.resolve(properties.dtype(), manifest, demo, fastBf16);
        if (precision == ComputePrecision.BF16 && !fastBf16) {
            LOG.warn(
                    "fma.dtype is bf16 but {} has no fast bf16 (AMX-BF16, or CUDA capability >= 8.0):"
                            + " expect it to be slower than fp32",
                    Devices.name(device));
        }
        return new BundleLoader().load(dir, manifest, device, demo, precision);
    }
}
