package com.fmawsss.api.requests;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Asynchronous requests ({@code fma.requests.*}).
 *
 * @param resultTtl how long a finished request (result, problem or cancellation) stays readable
 * @param maxResults most finished requests kept; the oldest go first beyond it
 * @param maxResultBytes most bytes of stored results; the oldest go first beyond it
 * @param maxPending most requests queued or running at once; beyond it a submission gets 429
 * @param queueTimeout longest an asynchronous request may wait for a worker before it fails
 */
@ConfigurationProperties("fma.requests")
public record AsyncRequestProperties(
        @DefaultValue("1h") Duration resultTtl,
        @DefaultValue("256") int maxResults,
        @DefaultValue("512MB") DataSize maxResultBytes,
        @DefaultValue("64") int maxPending,
        @DefaultValue("24h") Duration queueTimeout) {

    public AsyncRequestProperties {
        if (!resultTtl.isPositive() || maxResults < 1 || maxResultBytes.toBytes() < 1 || maxPending < 1
                || !queueTimeout.isPositive()) {
            throw new IllegalArgumentException("fma.requests.*: durations and bounds must be positive");
        }
    }
}
