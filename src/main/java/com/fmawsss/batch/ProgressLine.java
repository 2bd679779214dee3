package com.fmawsss.batch;

import com.fmawsss.progress.Progress;
import com.fmawsss.progress.Stage;
import java.time.Duration;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * The progress of a shard as one log line (percent, images per second and per hour, ETA, and the
 * stage of the image in work from the pipeline's {@link Progress} reports), e.g.
 *
 * <pre>
 * shard 1/3: 120/3527 (3.4%), 118 written, 2 failed, 0.52 img/s (1872 img/h), ETA 1h49m | 2007_000123 sam_decode 512/1024
 * </pre>
 *
 * The rate counts the images this process seeded over its seeding time; the ETA divides the images
 * left by that rate. {@link #tick()} runs the caller's action (print the line, rewrite the shard
 * record) at most once per interval; the pipeline's stage reports tick too, so a line appears
 * within an image that takes minutes. The stage reports come from the device's worker thread, the
 * rest from the shard's own thread.
 */
final class ProgressLine implements Progress {

    private final String shard;
    private final int assigned;
    private final int skipped;
    private final Ticker ticker;
    private final LongSupplier clock;
    private final long startNanos;
    private int written;
    private int failed;
    private volatile String current = "";
    private volatile Stage stage;
    private volatile long stagePlanned;
    private volatile long stageDone;
    private Runnable onTick = () -> {};

    /**
     * @param index the shard
     * @param shards the shard count
     * @param assigned images of the shard
     * @param skipped images already complete at the start
     * @param interval shortest time between two lines
     * @param clock nanosecond clock
     */
    ProgressLine(int index, int shards, int assigned, int skipped, Duration interval, LongSupplier clock) {
        this.shard = "shard " + index + "/" + shards;
        this.assigned = assigned;
        this.skipped = skipped;
        this.ticker = new Ticker(interval, clock);
        this.clock = clock;
        this.startNanos = clock.getAsLong();
    }

    void starting(String imageId) {
        current = imageId;
        stage = null;
    }

    synchronized void written() {
        written++;
        current = "";
    }

    synchronized void failed() {
        failed++;
        current = "";
    }

    synchronized int writtenCount() {
        return written;
    }

    synchronized int failedCount() {
        return failed;
    }

    /** Seconds since this process began seeding. */
    double seconds() {
        return (clock.getAsLong() - startNanos) / 1e9;
    }

    /** What {@link #tick()} does when a line is due. */
    void onTick(Runnable action) {
        this.onTick = action;
    }

    /** Runs the action if a line is due, and says whether it ran. */
    synchronized boolean tick() {
        if (!ticker.due()) {
            return false;
        }
        onTick.run();
        return true;
    }

    synchronized String line() {
        int done = skipped + written + failed;
        int left = assigned - done;
        double seconds = seconds();
        double rate = written > 0 && seconds > 0 ? written / seconds : 0;
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%s: %d/%d (%.1f%%), %d written, %d failed, %d skipped",
                shard, done, assigned, assigned == 0 ? 100.0 : 100.0 * done / assigned, written, failed, skipped));
        if (rate > 0) {
            line.append(String.format(Locale.ROOT, ", %.3g img/s (%.0f img/h), ETA %s", rate, rate * 3600,
                    duration((long) Math.ceil(left / rate))));
        } else if (left > 0) {
            line.append(", ETA unknown until the first image is done");
        }
        Stage now = stage;
        if (left > 0 && !current.isEmpty()) {
            line.append(" | ").append(current);
            if (now != null) {
                line.append(' ').append(now.tag()).append(' ').append(stageDone).append('/').append(stagePlanned);
            }
        }
        return line.toString();
    }

    /** {@code 1h49m}, {@code 3m07s}, {@code 12s}. */
    static String duration(long seconds) {
        if (seconds >= 3600) {
            return String.format(Locale.ROOT, "%dh%02dm", seconds / 3600, seconds % 3600 / 60);
        }
        if (seconds >= 60) {
            return String.format(Locale.ROOT, "%dm%02ds", seconds / 60, seconds % 60);
        }
        return seconds + "s";
    }

    @Override
    public void planned(Stage planned, long units) {
        stage = planned;
        stagePlanned = units;
        stageDone = 0;
    }

    @Override
    public void advanced(Stage advancedStage, long units) {
        if (advancedStage == stage) {
            stageDone += units;
        }
        tick();
    }
}
