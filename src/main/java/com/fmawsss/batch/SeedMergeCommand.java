package com.fmawsss.batch;

import com.fmawsss.image.LabelMap;
import com.fmawsss.io.AtomicFiles;
import com.fmawsss.bulkseeding.SeedOutputs;
import com.fmawsss.bulkseeding.SeedScores;
import com.fmawsss.datasets.Dataset;
import com.fmawsss.datasets.DatasetException;
import com.fmawsss.datasets.DatasetFormat;
import com.fmawsss.datasets.DatasetSpec;
import com.fmawsss.datasets.TrainingSample;
import com.fmawsss.evaluation.ClassIou;
import com.fmawsss.evaluation.SegmentationMetrics;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * {@code seed-merge}: after the shards, checks that every dataset entry has exactly one output or
 * one recorded failure and that all shards ran one configuration, evaluates the seeds against the
 * ground truth where it exists, and writes {@code report.json} into the output folder. Exit code 0
 * when the run is complete, {@link ExitCodes#INCOMPLETE} otherwise (the report says why).
 */
final class SeedMergeCommand {

    static final Set<String> VALUED = Set.of("out", "dataset", "format", "split", "progress-seconds");

    static final String USAGE = """
            usage: seed-merge --out DIR [--dataset DIR --format voc|coco|jsonl [--split NAME]] [--progress-seconds S]
              the dataset defaults to the one the shard records name
            exit codes: 0 complete, 65 incomplete or inconsistent (see report.json), 64 usage, 78 configuration""";

    private SeedMergeCommand() {}

    static int run(List<String> args, PrintStream log) throws IOException {
        CommandLine line = CommandLine.parse(args, VALUED, Set.of());
        Path out = Path.of(line.required("out"));
        Duration interval = Duration.ofSeconds(line.value("progress-seconds")
                .map(v -> CommandLine.nonNegative("--progress-seconds", v)).orElse(10));
        RunFolder folder = new RunFolder(out);
        List<ShardRecord> records = folder.records();
        if (records.isEmpty()) {
            throw BatchException.configuration("no shard records in " + out.resolve(RunFolder.SHARDS)
                    + ": is this the --out of a seed-batch run?");
        }
        List<String> problems = new ArrayList<>();
        RunPins pins = records.get(0).pins();
        int shards = checkShards(records, problems);
        for (ShardRecord record : records) {
            List<String> differences = record.pins().differences(pins);
            if (!differences.isEmpty()) {
                problems.add("shard " + record.index() + " ran another configuration than shard " + records.get(0).index()
                        + ": " + String.join("; ", differences));
            }
        }
        DatasetSpec spec = line.value("dataset").isPresent() || line.value("format").isPresent()
                ? SeedBatchOptions.datasetSpec(line)
                : new DatasetSpec(DatasetFormat.parse(pins.dataset().format()), Path.of(pins.dataset().root()),
                        pins.dataset().split());
        Dataset dataset = SeedBatchCommand.open(spec, log);
        String ids = SeedBatchCommand.idsSha256(dataset.samples());
        if (!ids.equals(pins.dataset().idsSha256())) {
            problems.add("the dataset listing differs from the one the shards seeded (" + dataset.samples().size()
                    + " entries now, " + pins.dataset().entries() + " then)");
        }
        Map<String, MergeReport.ListedFailure> failures = new HashMap<>();
        for (ShardRecord record : records) {
            for (ShardRecord.Failure failure : record.failures()) {
                failures.put(failure.id(), new MergeReport.ListedFailure(failure.id(), record.index(), failure.reason()));
            }
        }
        SeedOutputs outputs = new SeedOutputs(out, Set.of());
        SeedScores scores = new SeedScores(dataset);
        List<String> missing = new ArrayList<>();
        int withOutput = 0;
        int both = 0;
        int unevaluated = 0;
        Ticker ticker = new Ticker(interval, System::nanoTime);
        List<TrainingSample> samples = dataset.samples();
        for (int i = 0; i < samples.size(); i++) {
            TrainingSample sample = samples.get(i);
            Optional<LabelMap> seeds = outputs.read(sample.id());
            boolean failed = failures.containsKey(sample.id());
            if (seeds.isPresent()) {
                withOutput++;
                both += failed ? 1 : 0;
                if (!evaluate(scores, sample, seeds.get())) {
                    unevaluated++;
                }
            } else if (!failed) {
                missing.add(sample.id());
            }
            if (ticker.due()) {
                log.printf("seed-merge: %d/%d entries checked%n", i + 1, samples.size());
            }
        }
        if (!missing.isEmpty()) {
            problems.add(missing.size() + " entries have neither an output nor a recorded failure");
        }
        if (both > 0) {
            problems.add(both + " entries have an output and a recorded failure");
        }
        List<String> unexpected = unexpectedOutputs(out, samples);
        if (!unexpected.isEmpty()) {
            problems.add(unexpected.size() + " label maps in " + out + " belong to no dataset entry");
        }
        boolean allDone = records.stream().allMatch(ShardRecord::done) && records.size() == shards;
        // Only a finished run's temp directories are certainly garbage: a live shard may be writing.
        int removed = allDone ? RunFolder.deleteTree(out.resolve(RunFolder.PARTIAL)) : 0;
        MergeReport report = new MergeReport(problems.isEmpty(), problems, pins, shards,
                new MergeReport.Counts(samples.size(), withOutput, failures.size(), missing.size(), both, unexpected.size(),
                        removed),
                failures.values().stream().sorted((a, b) -> a.id().compareTo(b.id())).toList(),
                missing.stream().limit(MergeReport.LISTED).toList(), unexpected.stream().limit(MergeReport.LISTED).toList(),
                records.stream().map(SeedMergeCommand::stats).toList(), wallSeconds(records),
                imagesPerHour(records), evaluation(scores, unevaluated), Instant.now().toString());
        AtomicFiles.write(folder.report(), RunFolder.JSON.writeValueAsBytes(report));
        log.printf(Locale.ROOT, "seed-merge: %d entries, %d outputs, %d failures, %d missing; %s%n", samples.size(),
                withOutput, failures.size(), missing.size(), report.evaluation() == null || report.evaluation().meanIou() == null
                        ? "no ground truth" : String.format(Locale.ROOT, "mIoU %.4f over %d images",
                                report.evaluation().meanIou(), report.evaluation().images()));
        problems.forEach(p -> log.println("seed-merge: problem: " + p));
        log.println("seed-merge: wrote " + folder.report() + (report.complete() ? " (complete)" : " (INCOMPLETE)"));
        return report.complete() ? ExitCodes.OK : ExitCodes.INCOMPLETE;
    }

    /** The shard count all records agree on (problems otherwise), with missing and unfinished shards. */
    private static int checkShards(List<ShardRecord> records, List<String> problems) {
        TreeSet<Integer> counts = new TreeSet<>();
        records.forEach(r -> counts.add(r.shards()));
        if (counts.size() > 1) {
            problems.add("the shard count changed between runs: records for " + counts + " shards");
        }
        int shards = counts.last();
        Set<Integer> present = new HashSet<>();
        for (ShardRecord record : records) {
            present.add(record.index());
            if (record.index() >= shards) {
                problems.add("shard " + record.index() + " is outside 0.." + (shards - 1));
            } else if (!record.done()) {
                problems.add("shard " + record.index() + " is not done (running, or killed: rerun its index)");
            }
        }
        for (int i = 0; i < shards; i++) {
            if (!present.contains(i)) {
                problems.add("shard " + i + " has no record (it never started)");
            }
        }
        return shards;
    }

    private static boolean evaluate(SeedScores scores, TrainingSample sample, LabelMap seeds) {
        try {
            return scores.add(sample, seeds);
        } catch (DatasetException e) {
            return false;
        }
    }

    private static List<String> unexpectedOutputs(Path out, List<TrainingSample> samples) throws IOException {
        Set<String> ids = new HashSet<>();
        samples.forEach(s -> ids.add(s.id()));
        List<String> unexpected = new ArrayList<>();
        try (Stream<Path> files = Files.list(out)) {
            for (Path file : files.sorted().toList()) {
                String name = file.getFileName().toString();
                if (name.endsWith(SeedOutputs.LABEL_SUFFIX) && Files.isRegularFile(file)) {
                    String id = name.substring(0, name.length() - SeedOutputs.LABEL_SUFFIX.length());
                    if (!ids.contains(id)) {
                        unexpected.add(id);
                    }
                }
            }
        }
        return unexpected;
    }

    private static MergeReport.ShardStats stats(ShardRecord record) {
        int written = 0;
        double seconds = 0;
        double setup = 0;
        for (ShardRecord.Attempt attempt : record.attempts()) {
            written += attempt.written();
            seconds += attempt.seconds();
            setup += attempt.setupSeconds();
        }
        List<ShardRecord.Attempt> attempts = record.attempts();
        return new MergeReport.ShardStats(record.index(), record.state(), record.assigned(), record.complete(),
                record.failed(), attempts.size(), written, seconds, setup, seconds > 0 ? written * 3600.0 / seconds : 0,
                attempts.isEmpty() ? null : attempts.get(0).startedAt(),
                attempts.isEmpty() ? null : attempts.get(attempts.size() - 1).finishedAt());
    }

    private static double wallSeconds(List<ShardRecord> records) {
        Instant first = null;
        Instant last = null;
        for (ShardRecord record : records) {
            for (ShardRecord.Attempt attempt : record.attempts()) {
                Instant start = Instant.parse(attempt.startedAt());
                Instant end = Instant.parse(attempt.updatedAt());
                first = first == null || start.isBefore(first) ? start : first;
                last = last == null || end.isAfter(last) ? end : last;
            }
        }
        return first == null ? 0 : Duration.between(first, last).toMillis() / 1000.0;
    }

    private static double imagesPerHour(List<ShardRecord> records) {
        double wall = wallSeconds(records);
        int written = records.stream().flatMap(r -> r.attempts().stream()).mapToInt(ShardRecord.Attempt::written).sum();
        return wall > 0 ? written * 3600.0 / wall : 0;
    }

    private static MergeReport.Evaluation evaluation(SeedScores scores, int unevaluated) {
        Optional<SegmentationMetrics> metrics = scores.metrics();
        if (metrics.isEmpty()) {
            return null;
        }
        List<MergeReport.ClassScore> perClass = new ArrayList<>();
        for (ClassIou row : metrics.get().classes()) {
            perClass.add(new MergeReport.ClassScore(row.label(), row.name(), finite(row.iou()), row.groundTruthPixels(),
                    row.predictedPixels()));
        }
        return new MergeReport.Evaluation(scores.evaluated(), unevaluated, finite(metrics.get().meanIou()),
                finite(metrics.get().pixelAccuracy()), perClass);
    }

    private static Double finite(double value) {
        return Double.isFinite(value) ? value : null;
    }
}
