package com.fmawsss.scheduler;

import com.fmawsss.bundle.Devices;
import com.fmawsss.bundle.ModelBundle;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** One inference scheduler for the bundle's device: the only way work reaches it. */
@Configuration(proxyBeanMethods = false)
public class SchedulerConfiguration {

    @Bean(destroyMethod = "close")
    public InferenceScheduler inferenceScheduler(ModelBundle bundle, SchedulerProperties properties, MeterRegistry registry) {
        return new InferenceScheduler(Devices.name(bundle.device()), properties, registry);
    }
}
