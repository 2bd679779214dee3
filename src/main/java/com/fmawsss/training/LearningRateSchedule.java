package com.fmawsss.training;

/**
 * The official schedule (spec §8): a constant warm-up learning rate (1e-5) for the first
 * iterations (500), then cosine decay from the base rate (1e-3) to 0 at the last iteration.
 *
 * @param baseRate rate after warm-up
 * @param warmupRate rate during warm-up
 * @param warmupIterations warm-up length
 * @param iterations total iterations
 */
public record LearningRateSchedule(double baseRate, double warmupRate, int warmupIterations, int iterations) {

    /**
     * The official constants for a run of the given length.
     *
     * @param iterations total iterations
     */
    public static LearningRateSchedule official(int iterations) {
        return new LearningRateSchedule(1e-3, 1e-5, Math.min(500, iterations), iterations);
    }

    public double at(int iteration) {
        if (iteration < warmupIterations) {
            return warmupRate;
        }
        int span = Math.max(1, iterations - warmupIterations);
        double progress = Math.min(1.0, (double) (iteration - warmupIterations) / span);
        return 0.5 * baseRate * (1 + Math.cos(Math.PI * progress));
    }
}
