package com.fmawsss.batch;

import com.fmawsss.bundle.Devices;
import com.fmawsss.image.ImageDecoder;
import com.fmawsss.pipeline.Scheduling;
import com.fmawsss.progress.Progress;
import com.fmawsss.progress.WorkCancelledException;
import com.fmawsss.scheduler.Priority;
import com.fmawsss.bulkseeding.SampleSeeder;
import com.fmawsss.bulkseeding.SeedOutputs;
import com.fmawsss.datasets.Dataset;
import com.fmawsss.datasets.TrainingSample;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One attempt at one shard: seeds every assigned image whose output is not complete yet, in
 * dataset order, with the next images decoded ahead ({@link ImagePrefetcher}); records an image
 * that cannot be read or seeded as a failure and goes on; rewrites {@code shards/<index>.json}
 * and prints the progress line every progress interval, and once more when done.
 */
final class ShardRun {

    /** Consecutive seeding failures (not image problems) after which the device is presumed broken. */
    static final int MAX_CONSECUTIVE_SEED_FAILURES = 5;

    /** The shard's device runs nothing else: an image starts as soon as the previous one is done. */
    private static final Duration IMAGE_START_DEADLINE = Duration.ofHours(1);

    private final SeedBatchOptions options;
    private final Dataset dataset;
    private final SeedModels models;
    private final RunPins pins;
    private final RunFolder folder;
    private final List<ShardRecord.Attempt> previousAttempts;
    private final Instant startedAt;
    private final double setupSeconds;
    private final PrintStream log;
    private final TerminationRequest termination;
    private final List<ShardRecord.Failure> failures = new ArrayList<>();
    private final String host = host();

    ShardRun(SeedBatchOptions options, Dataset dataset, SeedModels models, RunPins pins, RunFolder folder,
            List<ShardRecord.Attempt> previousAttempts, Instant startedAt, double setupSeconds, PrintStream log,
            TerminationRequest termination) {
        this.options = options;
        this.dataset = dataset;
        this.models = models;
        this.pins = pins;
        this.folder = folder;
        this.previousAttempts = List.copyOf(previousAttempts);
        this.startedAt = startedAt;
        this.setupSeconds = setupSeconds;
        this.log = log;
        this.termination = termination;
    }

    ShardRecord run() throws IOException, InterruptedException {
        int index = options.index();
        List<TrainingSample> assigned = ShardAssignment.select(dataset.samples(), index, options.shards());
        int removed = RunFolder.deleteTree(folder.tempDirectory(index));
        SeedOutputs outputs = new SeedOutputs(options.out(), options.extras(), folder.tempDirectory(index));
        List<TrainingSample> pending = assigned.stream().filter(s -> !outputs.isComplete(s.id())).toList();
        int skipped = assigned.size() - pending.size();
        log.printf("shard %d/%d: %d of %d images assigned, %d already complete, %d to seed%s%n", index, options.shards(),
                assigned.size(), dataset.samples().size(), skipped, pending.size(),
                removed > 0 ? " (removed " + removed + " temp files of an interrupted attempt)" : "");
        SampleSeeder seeder = new SampleSeeder(dataset.vocabulary(), models.prompts(), models.executor(), models.amg(),
                outputs, Scheduling.of(Priority.BACKGROUND, IMAGE_START_DEADLINE));
        ProgressLine progress = new ProgressLine(index, options.shards(), assigned.size(), skipped,
                options.progressInterval(), System::nanoTime);
        progress.onTick(() -> {
            log.println(progress.line());
            write(record(assigned.size(), skipped, progress, false));
        });
        write(record(assigned.size(), skipped, progress, false));
        int consecutiveSeedFailures = 0;
        boolean shown = false;
        try (ImagePrefetcher images = new ImagePrefetcher(pending, new ImageDecoder(), options.prefetch())) {
            Progress watched = Progress.both(progress, termination);
            for (ImagePrefetcher.Decoded next = images.next(); next != null && !termination.requested();
                    next = images.next()) {
                TrainingSample sample = next.sample();
                progress.starting(sample.id());
                if (next.failure() != null) {
                    fail(progress, sample, next.failure());
                } else {
                    try {
                        seeder.seed(sample, next.image(), watched);
                        progress.written();
                        consecutiveSeedFailures = 0;
                    } catch (WorkCancelledException stopped) {
                        break; // the image's outputs are not written; the next attempt seeds it
                    } catch (IOException e) {
                        throw new BatchException(ExitCodes.IO_ERROR, "cannot write the outputs of " + sample.id() + ": " + e, e);
                    } catch (InterruptedException e) {
                        throw e;
                    } catch (Exception e) {
                        fail(progress, sample, "seeding failed: " + e);
                        if (++consecutiveSeedFailures >= MAX_CONSECUTIVE_SEED_FAILURES) {
                            write(record(assigned.size(), skipped, progress, false));
                            throw new BatchException(ExitCodes.UNEXPECTED, consecutiveSeedFailures
                                    + " images in a row failed in the pipeline (last: " + e + "); stopping so the engine retries"
                                    + " this shard, perhaps on another node", e);
                        }
                    }
                }
                shown = progress.tick();
            }
        }
        if (termination.requested()) {
            write(record(assigned.size(), skipped, progress, false));
            log.println(progress.line());
            throw new BatchException(ExitCodes.TERMINATED, "stopped by " + termination.reason() + " after "
                    + progress.writtenCount() + " images; finished images are kept, rerun this index to seed the rest");
        }
        ShardRecord done = record(assigned.size(), skipped, progress, true);
        write(done);
        if (!shown) {
            log.println(progress.line());
        }
        return done;
    }

    /** Rewrites the shard record; a failure is an I/O error of the shared volume (exit 75). */
    private void write(ShardRecord record) {
        try {
            folder.write(record);
        } catch (IOException e) {
            throw new BatchException(ExitCodes.IO_ERROR, "cannot write the shard record " + folder.record(record.index())
                    + ": " + e, e);
        }
    }

    private void fail(ProgressLine progress, TrainingSample sample, String reason) {
        failures.add(new ShardRecord.Failure(sample.id(), reason));
        progress.failed();
        log.printf("shard %d: %s failed: %s%n", options.index(), sample.id(), reason);
    }

    private ShardRecord record(int assigned, int skipped, ProgressLine progress, boolean finished) {
        String now = Instant.now().toString();
        ShardRecord.Attempt attempt = new ShardRecord.Attempt(startedAt.toString(), now, finished ? now : null, host,
                Devices.name(models.bundle().device()), setupSeconds, progress.seconds(), skipped,
                progress.writtenCount(), progress.failedCount());
        List<ShardRecord.Attempt> attempts = new ArrayList<>(previousAttempts);
        attempts.add(attempt);
        int complete = skipped + progress.writtenCount();
        return new ShardRecord(ShardRecord.FORMAT_VERSION, options.index(), options.shards(),
                finished ? ShardRecord.DONE : ShardRecord.RUNNING, pins, assigned, complete, failures.size(),
                assigned - complete - failures.size(), failures, attempts);
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "unknown";
        }
    }
}
