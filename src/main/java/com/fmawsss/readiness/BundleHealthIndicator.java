package com.fmawsss.readiness;

import com.fmawsss.bundle.Devices;
import com.fmawsss.bundle.ModelBundle;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

import java.util.OptionalLong;

/**
 * Health contributor {@code bundle}: UP once the bundle is loaded and warmed up, OUT_OF_SERVICE
 * before; details say which bundle runs where. Part of the readiness group.
 */
@Component
public class BundleHealthIndicator implements HealthIndicator {

    private final ModelBundle bundle;
    private final ReadinessGate gate;

    /**
     * @param bundle the loaded bundle
     * @param gate knows whether the warm-up finished
     */
    public BundleHealthIndicator(ModelBundle bundle, ReadinessGate gate) {
        this.bundle = bundle;
        this.gate = gate;
    }

    /** {@inheritDoc} */
    @Override
    public Health health() {
        OptionalLong warmUp = gate.warmUpMillis();
        Health.Builder builder = warmUp.isPresent() ? Health.up() : Health.outOfService();
        return builder.withDetail("dir", bundle.directory().toAbsolutePath().toString())
                .withDetail("demo", bundle.demo())
                .withDetail("tiny", bundle.manifest().tiny())
                .withDetail("device", Devices.name(bundle.device()))
                .withDetail("dtype", bundle.manifest().dtype())
                .withDetail("compute", bundle.precision().setting())
                .withDetail("warmUpMs", warmUp.isPresent() ? warmUp.getAsLong() : "pending")
                .build();
    }
}
