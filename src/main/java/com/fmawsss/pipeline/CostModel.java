package com.fmawsss.pipeline;

import com.fmawsss.progress.Stage;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Predicts how long a pipeline run takes on this device from its {@link WorkShape}: one cost per
 * unit and stage, learned from the runs themselves (the start-up calibration run first, then
 * every finished request) as an exponentially weighted mean, so the estimate follows the device
 * and the bundle without configuration. Thread-safe.
 */
public final class CostModel {

    /** Weight of the newest observation in the running mean. */
    static final double SMOOTHING = 0.3;

    private final Map<Stage, Double> secondsPerUnit = new EnumMap<>(Stage.class);
    private final AtomicLong refusals = new AtomicLong();

    /** Whether every stage has been observed at least once. */
    public synchronized boolean calibrated() {
        return secondsPerUnit.size() == Stage.values().length;
    }

    /** Estimated seconds per stage; stages never observed count as zero. */
    public synchronized Map<Stage, Double> stageSeconds(WorkShape shape) {
        Map<Stage, Double> out = new EnumMap<>(Stage.class);
        for (Stage stage : Stage.values()) {
            double units = shape.units(stage);
            if (units > 0) {
                out.put(stage, units * secondsPerUnit.getOrDefault(stage, 0.0));
            }
        }
        return out;
    }

    /** Estimated service time; zero before any run was observed. */
    public Duration estimate(WorkShape shape) {
        double seconds = stageSeconds(shape).values().stream().mapToDouble(Double::doubleValue).sum();
        return Duration.ofNanos((long) (seconds * 1e9));
    }

    /**
     * Learns from one finished run: for every stage that ran ({@code nanos} present and the shape
     * has units for it), the observed seconds per unit enter the running mean.
     */
    public synchronized void observe(WorkShape shape, Map<Stage, Long> nanos) {
        nanos.forEach((stage, n) -> {
            double units = shape.units(stage);
            if (units <= 0 || n <= 0) {
                return;
            }
            double observed = n / 1e9 / units;
            secondsPerUnit.merge(stage, observed, (old, now) -> old + SMOOTHING * (now - old));
        });
    }

    /**
     * Replaces the costs of the stages a calibration run observed: a calibration measures the
     * device as it is now, and earlier costs may come from a busier or idler time.
     */
    public synchronized void calibrate(WorkShape shape, Map<Stage, Long> nanos) {
        nanos.forEach((stage, n) -> {
            double units = shape.units(stage);
            if (units > 0 && n > 0) {
                secondsPerUnit.put(stage, n / 1e9 / units);
            }
        });
    }

    /**
     * A request was refused because of its estimate. Refused requests teach the model nothing, so
     * an estimate inflated by a busy moment would refuse them for ever; the count tells the
     * recalibration ({@code readiness.CostRecalibration}) when to measure again.
     */
    public void noteRefusal() {
        refusals.incrementAndGet();
    }

    public long refusals() {
        return refusals.get();
    }

    /** Seconds per unit of each stage learned so far (for the info endpoint and tests). */
    public synchronized Map<Stage, Double> secondsPerUnit() {
        return Map.copyOf(secondsPerUnit);
    }
}
