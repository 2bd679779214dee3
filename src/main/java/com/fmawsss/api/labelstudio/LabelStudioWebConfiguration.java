package com.fmawsss.api.labelstudio;

import com.fmawsss.api.jobs.JobFactory;
import com.fmawsss.labeling.labelstudio.CorrectionDataset;
import com.fmawsss.labeling.labelstudio.LabelStudioProperties;
import com.fmawsss.labeling.labelstudio.WebhookHandler;
import com.fmawsss.jobs.JobRunner;
import com.fmawsss.security.BasicAuthFilter;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

/** The HTTP side of the Label Studio integration: webhook handling and the optional basic auth. */
@Configuration(proxyBeanMethods = false)
public class LabelStudioWebConfiguration {

    /**
     * Webhook events, with {@code START_TRAINING} starting admin training jobs.
     *
     * @param properties settings
     * @param dataset the correction dataset
     * @param factory training jobs
     * @param runner the job runner
     * @return the handler
     */
    @Bean
    public WebhookHandler labelStudioWebhooks(LabelStudioProperties properties, CorrectionDataset dataset, JobFactory factory,
            JobRunner runner) {
        return new WebhookHandler(dataset, new LabelStudioTraining(properties, dataset, factory, runner));
    }

    /**
     * Basic auth on every ML backend endpoint; registered disabled unless user and password are set.
     *
     * @param properties settings
     * @return the registration
     */
    @Bean
    public FilterRegistrationBean<BasicAuthFilter> labelStudioBasicAuth(LabelStudioProperties properties) {
        FilterRegistrationBean<BasicAuthFilter> registration = new FilterRegistrationBean<>(
                new BasicAuthFilter(String.valueOf(properties.basicAuthUser()), String.valueOf(properties.basicAuthPassword())));
        registration.setEnabled(properties.enabled() && properties.basicAuth());
        String base = properties.basePath().endsWith("/") ? properties.basePath().substring(0, properties.basePath().length() - 1)
                : properties.basePath();
        registration.addUrlPatterns(base + "/*");
        registration.setName("labelStudioBasicAuth");
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 100);
        return registration;
    }
}
