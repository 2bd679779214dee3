package com.fmawsss.labeling.cvat;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The CVAT detector endpoint ({@code fma.cvat.*}; docs/integrations.md).
 *
 * @param enabled whether {@code POST <base-path>/detect} is served
 * @param basePath where, e.g. {@code /cvat}
 * @param maxBodyBytes largest request body (the image travels base64-encoded, a third larger)
 * @param answerWithin time from a frame's arrival to its answer: inside the function's {@code
 *     FMA_TIMEOUT} (110 s), nuclio's {@code eventTimeout} (115 s) and CVAT's {@code
 *     CVAT_NUCLIO_DEFAULT_TIMEOUT} (120 s)
 */
@ConfigurationProperties("fma.cvat")
public record CvatProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("/cvat") String basePath,
        @DefaultValue("36000000") long maxBodyBytes,
        @DefaultValue("100s") Duration answerWithin) {}
