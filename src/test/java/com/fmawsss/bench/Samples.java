package com.fmawsss.bench;

import java.util.Arrays;
import java.util.List;

/**
 * Timed runs of one benchmark step, in milliseconds.
 *
 * @param millis the samples in run order
 */
public record Samples(List<Double> millis) {

    /** Copies the list. */
    public Samples {
        millis = List.copyOf(millis);
        if (millis.isEmpty()) {
            throw new IllegalArgumentException("no samples");
        }
    }

    /**
     * Runs work {@code warmup} times untimed, then {@code repeats} times timed.
     *
     * @param warmup untimed runs
     * @param repeats timed runs (at least one)
     * @param work the work
     * @return the timed runs
     */
    public static Samples measure(int warmup, int repeats, Runnable work) {
        for (int r = 0; r < warmup; r++) {
            work.run();
        }
        java.util.List<Double> samples = new java.util.ArrayList<>(repeats);
        for (int r = 0; r < repeats; r++) {
            long start = System.nanoTime();
            work.run();
            samples.add((System.nanoTime() - start) / 1e6);
        }
        return new Samples(samples);
    }

    /**
     * Returns the median (mean of the two middle values for an even count).
     *
     * @return milliseconds
     */
    public double median() {
        double[] s = sorted();
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    /**
     * Returns the 90th percentile (nearest rank).
     *
     * @return milliseconds
     */
    public double p90() {
        double[] s = sorted();
        return s[Math.max(0, (int) Math.ceil(0.9 * s.length) - 1)];
    }

    private double[] sorted() {
        double[] s = millis.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(s);
        return s;
    }
}
