package com.fmawsss.labeling.cvat;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The CVAT detector endpoint ({@code fma.cvat.*}; docs/integrations.md).
 *
 * @param enabled whether {@code POST <base-path>/detect} is served
 * @param basePath where, e.g. {@code /cvat}
 * @param maxBodyBytes largest request body (the image travels base64-encoded, a third larger)
 */
@ConfigurationProperties("fma.cvat")
public record CvatProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("/cvat") String basePath,
        @DefaultValue("36000000") long maxBodyBytes) {}
