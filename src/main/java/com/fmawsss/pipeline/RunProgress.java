package com.fmawsss.pipeline;

import com.fmawsss.progress.Progress;
import com.fmawsss.progress.Stage;
import com.fmawsss.progress.WorkCancelledException;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The live state of one request's pipeline run: which stage it is in, how many of the stage's
 * units (points, crops, classes) are done, the overall percentage weighted by the estimated cost of
 * each stage, and an ETA; and the switch that stops it ({@link #cancel}). Written by the worker,
 * read by anyone (the async request view). Thread-safe.
 */
public final class RunProgress implements Progress {

    /** What a client sees of a run. */
    public record Snapshot(
            Stage stage, long stageDone, long stageTotal, double percent, Duration running, Duration remaining) {}

    private final Map<Stage, Double> weights;
    private final LongSupplier ticker;
    private final Map<Stage, long[]> units = new EnumMap<>(Stage.class);
    private Stage current;
    private long startedAt;
    private boolean started;
    private volatile String cancelReason;

    /** @param estimate the estimated seconds of each stage (weights of the percentage) */
    public RunProgress(Map<Stage, Double> estimate) {
        this(estimate, System::nanoTime);
    }

    RunProgress(Map<Stage, Double> estimate, LongSupplier ticker) {
        this.weights = new EnumMap<>(Stage.class);
        this.weights.putAll(estimate);
        this.ticker = ticker;
    }

    /** The worker picked the request up; elapsed running time counts from here. */
    public synchronized void started() {
        if (!started) {
            started = true;
            startedAt = ticker.getAsLong();
        }
    }

    public synchronized boolean isStarted() {
        return started;
    }

    /** Stops the run at its next check (between stages and SAM point batches). */
    public void cancel(String reason) {
        cancelReason = reason;
    }

    public String cancelReason() {
        return cancelReason;
    }

    @Override
    public void checkCancelled() {
        String reason = cancelReason;
        if (reason != null) {
            throw new WorkCancelledException(reason);
        }
    }

    @Override
    public synchronized void planned(Stage stage, long total) {
        long[] u = units.computeIfAbsent(stage, s -> new long[2]);
        u[1] += total;
        current = stage;
    }

    @Override
    public synchronized void advanced(Stage stage, long done) {
        units.computeIfAbsent(stage, s -> new long[2])[0] += done;
        current = stage;
    }

    public synchronized Snapshot snapshot() {
        Duration running = started ? Duration.ofNanos(ticker.getAsLong() - startedAt) : Duration.ZERO;
        double total = 0;
        double done = 0;
        for (Stage stage : Stage.values()) {
            long[] u = units.get(stage);
            double fraction = u == null || u[1] == 0 ? 0 : Math.min(1.0, (double) u[0] / u[1]);
            // Before the first calibration every stage that announced itself weighs the same.
            double weight = weights.isEmpty() ? (u == null ? 0 : 1) : weights.getOrDefault(stage, 0.0);
            total += weight;
            done += weight * fraction;
        }
        double percent = total > 0 ? 100.0 * done / total : 0;
        Duration remaining = null;
        if (total > 0 && !weights.isEmpty()) {
            // Scale the estimate by how fast this run has gone so far, once a few percent are done.
            double pace = done > 0.05 * total && started ? (running.toNanos() / 1e9) / done : 1.0;
            remaining = Duration.ofMillis((long) ((total - done) * pace * 1000));
        }
        long[] u = current == null ? null : units.get(current);
        return new Snapshot(current, u == null ? 0 : u[0], u == null ? 0 : u[1], percent, running, remaining);
    }
}
