package com.fmawsss.security;

import com.fmawsss.config.FmaProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

/** Admin API authentication and data-root confinement. */
@Configuration(proxyBeanMethods = false)
public class SecurityConfiguration {

    /** URL pattern of the admin API. */
    public static final String ADMIN_PATTERN = "/v1/admin/*";

    private static final Logger LOG = LoggerFactory.getLogger(SecurityConfiguration.class);

    /**
     * The bearer-token filter, registered for the admin API only (the filter itself is not a bean,
     * which would register it for every path).
     *
     * @param properties service properties
     * @return the registration
     */
    @Bean
    public FilterRegistrationBean<AdminTokenFilter> adminTokenFilter(FmaProperties properties) {
        AdminTokenFilter filter = new AdminTokenFilter(properties.admin().token());
        LOG.info(filter.enabled() ? "Admin API enabled (bearer token configured)" : "Admin API disabled: fma.admin.token is not set");
        FilterRegistrationBean<AdminTokenFilter> registration = new FilterRegistrationBean<>(filter);
        registration.addUrlPatterns(ADMIN_PATTERN);
        registration.setName("adminTokenFilter");
        // Early, but after the observation filter, so rejected calls are still measured.
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 100);
        return registration;
    }

    /**
     * Path confinement for dataset and output paths.
     *
     * @param properties service properties
     * @return the confinement over {@code fma.data.roots}
     */
    @Bean
    public DataRoots dataRoots(FmaProperties properties) {
        return new DataRoots(properties.data().roots());
    }
}
