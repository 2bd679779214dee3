package com.fmawsss.api.requests;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;

/** The gauges of asynchronous requests: pending ones by state, kept outcomes and their bytes. */
final class AsyncRequestMetrics {

    private AsyncRequestMetrics() {}

    static void register(MeterRegistry registry, AsyncRequests requests) {
        for (AsyncState state : List.of(AsyncState.QUEUED, AsyncState.RUNNING)) {
            Gauge.builder("fma.async.requests", requests, r -> r.count(state))
                    .description("Asynchronous requests by state (queued: waiting for a worker; running)")
                    .tag("state", state.tag())
                    .register(registry);
        }
        Gauge.builder("fma.async.results", requests, r -> r.finished().size())
                .description("Finished asynchronous requests whose outcome is kept")
                .register(registry);
        Gauge.builder("fma.async.results.bytes", requests, AsyncRequests::storedBytes)
                .description("Bytes of kept asynchronous results")
                .baseUnit("bytes")
                .register(registry);
    }
}
