package com.fmawsss.batch;

import com.fmawsss.bundle.Devices;
import com.fmawsss.bundle.NativeAllocator;
import com.fmawsss.io.Sha256;
import com.fmawsss.prompts.PromptSetFile;
import com.fmawsss.bulkseeding.SeedOutputs;
import com.fmawsss.datasets.Dataset;
import com.fmawsss.datasets.DatasetProblem;
import com.fmawsss.datasets.DatasetSpec;
import com.fmawsss.datasets.TrainingSample;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code seed-batch}: one shard of a dataset-wide seed run. Opens the dataset, checks the output
 * folder's records (same shard count, same pins), loads the models and runs {@link ShardRun}.
 */
final class SeedBatchCommand {

    /**
     * Per-sample problems that do not stop a run: the image is recorded as failed when it is
     * seeded (missing or unreadable image), seeded all-background (no class, as the admin seed job
     * does), or left out of the evaluation (ground truth missing or unreadable).
     */
    private static final Set<DatasetProblem.Kind> PER_SAMPLE = EnumSet.of(DatasetProblem.Kind.MISSING_IMAGE,
            DatasetProblem.Kind.UNREADABLE_IMAGE, DatasetProblem.Kind.MISSING_MASK, DatasetProblem.Kind.UNREADABLE_MASK,
            DatasetProblem.Kind.SIZE_MISMATCH, DatasetProblem.Kind.EMPTY_LABELS);

    private SeedBatchCommand() {}

    static int run(List<String> args, Map<String, String> env, PrintStream log, TerminationRequest termination)
            throws IOException, InterruptedException {
        SeedBatchOptions options = SeedBatchOptions.parse(args, env);
        Instant startedAt = Instant.now();
        long start = System.nanoTime();
        log.printf("seed-batch: shard %d of %d (index from %s), dataset %s %s split %s, output %s%n", options.index(),
                options.shards(), options.indexSource(), options.dataset().format().id(), options.dataset().root(),
                options.dataset().split(), options.out());
        Dataset dataset = open(options.dataset(), log);
        RunFolder folder = new RunFolder(options.out());
        List<ShardRecord> records = folder.records();
        for (ShardRecord record : records) {
            if (record.shards() != options.shards()) {
                throw BatchException.configuration(options.out() + " holds records of a run with " + record.shards()
                        + " shards (" + folder.record(record.index()) + "), this one has " + options.shards()
                        + ": use the same --shards, or delete " + options.out().resolve(RunFolder.SHARDS)
                        + " to reshard (finished images are kept and skipped)");
            }
        }
        try (SeedModels models = SeedModels.open(options, dataset.vocabulary())) {
            RunPins pins = pins(options, dataset, models);
            for (ShardRecord record : records) {
                List<String> differences = pins.differences(record.pins());
                if (!differences.isEmpty()) {
                    throw BatchException.configuration(options.out() + " holds outputs of another configuration (shard "
                            + record.index() + "): " + String.join("; ", differences)
                            + ". Use a new --out, or the same bundle, prompts, profile, outputs and dataset.");
                }
            }
            List<ShardRecord.Attempt> previous = records.stream().filter(r -> r.index() == options.index())
                    .findFirst().map(ShardRecord::attempts).orElse(List.of());
            double setupSeconds = (System.nanoTime() - start) / 1e9;
            log.printf(Locale.ROOT, "seed-batch: bundle %s (manifest SHA-256 %s), prompts %s, mask generation %s, device %s,"
                            + " allocator %s; setup took %.1f s%n", models.bundle().directory(), pins.bundleManifestSha256(),
                    pins.promptVersion(), pins.amgProfile(), Devices.name(models.bundle().device()),
                    NativeAllocator.name(), setupSeconds);
            ShardRecord done = new ShardRun(options, dataset, models, pins, folder, previous, startedAt, setupSeconds, log,
                    termination).run();
            log.printf("seed-batch: shard %d done: %d of %d images complete, %d failed (%s)%n", done.index(),
                    done.complete(), done.assigned(), done.failed(), folder.record(done.index()));
            return ExitCodes.OK;
        }
    }

    /** Opens the dataset; problems that concern the whole listing are configuration errors. */
    static Dataset open(DatasetSpec spec, PrintStream log) {
        if (!Files.exists(spec.root())) {
            throw BatchException.configuration("dataset " + spec.root() + " does not exist");
        }
        Dataset dataset = spec.open();
        List<DatasetProblem> fatal = new ArrayList<>();
        List<DatasetProblem> perSample = new ArrayList<>();
        for (DatasetProblem problem : dataset.problems()) {
            if (PER_SAMPLE.contains(problem.kind()) || !problem.isError()) {
                perSample.add(problem);
            } else {
                fatal.add(problem);
            }
        }
        Set<String> ids = new HashSet<>();
        for (TrainingSample sample : dataset.samples()) {
            if (!ids.add(sample.id())) {
                fatal.add(new DatasetProblem(DatasetProblem.Kind.DUPLICATE_ID, sample.id() + " (" + sample.source() + ")",
                        "outputs are named by id, so ids must be unique"));
            }
        }
        if (dataset.samples().isEmpty()) {
            fatal.add(new DatasetProblem(DatasetProblem.Kind.EMPTY_DATASET, dataset.name(), "no samples"));
        }
        if (!fatal.isEmpty()) {
            throw BatchException.configuration("dataset " + dataset.name() + " cannot be seeded (" + fatal.size()
                    + " problems): " + summary(fatal));
        }
        if (!perSample.isEmpty()) {
            log.printf("seed-batch: dataset %s: %d notes (per image; the run goes on): %s%n", dataset.name(),
                    perSample.size(), summary(perSample));
        }
        return dataset;
    }

    private static String summary(List<DatasetProblem> problems) {
        List<String> shown = problems.stream().limit(10).map(DatasetProblem::toString).toList();
        return String.join("; ", shown) + (problems.size() > shown.size() ? "; ..." : "");
    }

    static RunPins pins(SeedBatchOptions options, Dataset dataset, SeedModels models) {
        List<String> outputs = new ArrayList<>(List.of("png"));
        for (SeedOutputs.Extra extra : options.extras()) {
            outputs.add(extra.name().toLowerCase(Locale.ROOT));
        }
        DatasetSpec spec = options.dataset();
        RunPins.DatasetPin datasetPin = new RunPins.DatasetPin(spec.format().id(), spec.root().toString(), spec.split(),
                dataset.samples().size(), idsSha256(dataset.samples()));
        return new RunPins(models.manifestSha256(), models.bundle().manifest().clip().source(),
                models.bundle().manifest().sam().source(), models.bundle().demo(), models.bundle().precision().setting(),
                models.prompts().id(),
                promptSha256(models), models.amgProfile(), models.amg().key(), outputs, datasetPin);
    }

    /** SHA-256 of the sorted ids, each followed by a newline. */
    static String idsSha256(List<TrainingSample> samples) {
        StringBuilder ids = new StringBuilder();
        samples.stream().map(TrainingSample::id).sorted().forEach(id -> ids.append(id).append('\n'));
        return Sha256.hex(ids.toString());
    }

    private static String promptSha256(SeedModels models) {
        return Sha256.hex(PromptSetFile.write(models.prompts()));
    }
}
