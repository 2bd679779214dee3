package com.fmawsss.batch;

import com.fmawsss.pipeline.PipelineExecutor;
import static org.assertj.core.api.Assertions.assertThat;

import com.fmawsss.DemoBundleFixture;
import com.fmawsss.cam.CamEngine;
import com.fmawsss.image.ImageDecoder;
import com.fmawsss.jobs.JobContext;
import com.fmawsss.jobs.JobRecord;
import com.fmawsss.scheduler.InferenceScheduler;
import com.fmawsss.scheduler.SchedulerProperties;
import com.fmawsss.pipeline.FmaPipeline;
import com.fmawsss.prompts.PromptSet;
import com.fmawsss.prompts.Vocabulary;
import com.fmawsss.reliability.Fixtures;
import com.fmawsss.sam.AmgProfiles;
import com.fmawsss.sam.QuasiSuperpixelService;
import com.fmawsss.bulkseeding.SeedJob;
import com.fmawsss.datasets.DatasetFormat;
import com.fmawsss.datasets.DatasetSpec;
import com.fmawsss.datasets.TrainingSample;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * seed-batch as real shard processes, launched the way an Indexed Job launches them (main class of
 * the jar, JOB_COMPLETION_INDEX in the environment): three shards cover a dataset exactly once with
 * the admin seed job's outputs, a shard killed with SIGKILL finishes on rerun without redoing or
 * tearing anything, one stopped with SIGTERM ends cleanly with exit 143 and finishes on rerun, and a
 * configuration error ends the JVM with the documented exit code.
 */
class SeedBatchProcessTest {

    static final long TIMEOUT_MINUTES = 5;

    @Test
    void threeShardProcessesCoverTheDatasetExactlyOnceWithTheSeedJobsOutputs(@TempDir Path dir) throws Exception {
        Path voc = dir.resolve("VOC2012");
        Fixtures.writeVoc(voc, 9, 900);
        Path out = dir.resolve("seeds");
        Path log = dir.resolve("shards.log");
        List<Process> shards = new ArrayList<>();
        for (int index = 0; index < 3; index++) {
            shards.add(BatchRuns.start(BatchRuns.seedArgs(voc, out, dir.resolve("state"), "--shards", "3"),
                    Map.of("JOB_COMPLETION_INDEX", Integer.toString(index)), log));
        }
        for (Process shard : shards) {
            assertThat(shard.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)).as(BatchRuns.tail(log)).isTrue();
            assertThat(shard.exitValue()).as(BatchRuns.tail(log)).isEqualTo(ExitCodes.OK);
        }

        List<TrainingSample> samples = new DatasetSpec(DatasetFormat.VOC, voc, "train").open().samples();
        Set<String> ids = samples.stream().map(TrainingSample::id).collect(Collectors.toCollection(TreeSet::new));
        assertThat(ids).hasSize(9);
        assertThat(labelMaps(out)).isEqualTo(ids);
        int written = 0;
        Set<String> seen = new TreeSet<>();
        for (int index = 0; index < 3; index++) {
            JsonNode record = BatchRuns.json(out.resolve("shards/" + index + ".json"));
            assertThat(record.path("state").asString()).isEqualTo("done");
            assertThat(record.path("shards").asInt()).isEqualTo(3);
            // The shard's images, computed here from the id hash (see ShardAssignmentTest).
            List<String> mine = ShardAssignment.select(samples, index, 3).stream().map(TrainingSample::id).toList();
            assertThat(mine).allMatch(seen::add);
            assertThat(record.path("assigned").asInt()).isEqualTo(mine.size());
            assertThat(record.path("complete").asInt()).isEqualTo(mine.size());
            written += record.path("attempts").get(0).path("written").asInt();
        }
        // Every image was seeded by exactly one process: nine images, nine seedings.
        assertThat(seen).isEqualTo(ids);
        assertThat(written).isEqualTo(9);

        Path reference = dir.resolve("reference");
        Map<String, String> seedJob = seedJobReference(voc, reference, dir);
        for (String id : ids) {
            assertThat(Files.readAllBytes(out.resolve(id + ".png"))).as("%s equals the seed job's output", id)
                    .isEqualTo(Files.readAllBytes(reference.resolve(id + ".png")));
        }

        BatchRuns.Result merge = BatchRuns.run(Map.of(), BatchMain.SEED_MERGE, "--out", out.toString());
        assertThat(merge.exitCode()).as(merge.log()).isEqualTo(ExitCodes.OK);
        JsonNode report = BatchRuns.json(out.resolve("report.json"));
        assertThat(report.path("complete").asBoolean()).isTrue();
        assertThat(report.path("counts").path("entries").asInt()).isEqualTo(9);
        assertThat(report.path("counts").path("outputs").asInt()).isEqualTo(9);
        assertThat(report.path("counts").path("missing").asInt()).isZero();
        assertThat(report.path("shardStats")).hasSize(3);
        // The same seeds against the same ground truth: the seed job's mIoU.
        assertThat(report.path("evaluation").path("images").asInt()).isEqualTo(9);
        assertThat(report.path("evaluation").path("meanIou").asDouble())
                .isCloseTo(Double.parseDouble(seedJob.get("mIoU")), org.assertj.core.data.Offset.offset(1e-6));
        assertThat(report.path("pins").path("promptVersion").asString()).isEqualTo("manual-voc");
    }

    @Test
    void aShardKilledMidRunFinishesOnRerunWithoutRedoingOrTearingAnything(@TempDir Path dir) throws Exception {
        Path voc = dir.resolve("VOC2012");
        Fixtures.writeVoc(voc, 8, 400);
        Path out = dir.resolve("seeds");
        Path log = dir.resolve("shard.log");
        List<String> args = BatchRuns.seedArgs(voc, out, dir.resolve("state"), "--shards", "1", "--rle");
        Process first = startAndAwaitFirstLabelMap(args, out, log);
        first.destroyForcibly(); // SIGKILL: no shutdown hook, no finally block runs
        first.waitFor();
        Set<String> before = labelMaps(out);
        assertThat(before).as("label maps written before the kill; %s", BatchRuns.tail(log)).isNotEmpty().hasSizeLessThan(8);

        Map<String, byte[]> bytes = new HashMap<>();
        Map<String, Object> fileKeys = new HashMap<>();
        for (String id : before) {
            Path png = out.resolve(id + ".png");
            assertThat(Fixtures.decodeLabelPng(png).labels()).hasSize(64 * 48);
            // The PNG is written last: its sidecar is complete too.
            assertThat(BatchRuns.json(out.resolve(id + ".rle.json")).path("id").asString()).isEqualTo(id);
            bytes.put(id, Files.readAllBytes(png));
            fileKeys.put(id, Files.readAttributes(png, BasicFileAttributes.class).fileKey());
        }
        assertThat(visibleFiles(out)).allSatisfy(name -> assertThat(name).doesNotEndWith(".tmp"));
        JsonNode killed = BatchRuns.json(out.resolve("shards/0.json"));
        assertThat(killed.path("state").asString()).isEqualTo("running");
        System.out.printf("kill -9 of a shard after %d of 8 images; %d temp files left under .partial%n", before.size(),
                Fixtures.filesUnder(out.resolve(".partial")).stream().filter(p -> p.toString().endsWith(".tmp")).count());

        rerunToExit0(args, log);

        assertThat(labelMaps(out)).hasSize(8);
        for (String id : before) {
            Path png = out.resolve(id + ".png");
            assertThat(Files.readAllBytes(png)).as("%s is kept", id).isEqualTo(bytes.get(id));
            assertThat(Files.readAttributes(png, BasicFileAttributes.class).fileKey()).as("%s is not rewritten", id)
                    .isEqualTo(fileKeys.get(id));
        }
        JsonNode record = BatchRuns.json(out.resolve("shards/0.json"));
        assertThat(record.path("state").asString()).isEqualTo("done");
        JsonNode attempts = record.path("attempts");
        assertThat(attempts).hasSize(2);
        assertThat(attempts.get(1).path("skipped").asInt()).isEqualTo(before.size());
        assertThat(attempts.get(1).path("written").asInt()).isEqualTo(8 - before.size());
        assertThat(Fixtures.filesUnder(out.resolve(".partial"))).as("the rerun cleared the killed attempt's temp files")
                .noneMatch(p -> p.toString().endsWith(".tmp"));
        assertThat(visibleFiles(out)).allSatisfy(name -> assertThat(name).doesNotEndWith(".tmp"));
        for (String id : labelMaps(out)) {
            Fixtures.decodeLabelPng(out.resolve(id + ".png"));
        }
    }

    @Test
    void sigtermStopsTheShardBetweenPointBatchesWithExit143AndTheRerunFinishesIt(@TempDir Path dir) throws Exception {
        Path voc = dir.resolve("VOC2012");
        Fixtures.writeVoc(voc, 8, 400);
        Path out = dir.resolve("seeds");
        Path log = dir.resolve("shard.log");
        List<String> args = BatchRuns.seedArgs(voc, out, dir.resolve("state"), "--shards", "1");
        Process first = startAndAwaitFirstLabelMap(args, out, log);
        first.destroy(); // SIGTERM, as Kubernetes sends it when it deletes, evicts or preempts the pod
        assertThat(first.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)).isTrue();
        String firstLog = Files.readString(log);
        assertThat(first.exitValue()).as(firstLog).isEqualTo(ExitCodes.TERMINATED).isEqualTo(143);
        assertThat(firstLog).contains("stopped by SIGTERM after").doesNotContain("fatal error");
        Set<String> before = labelMaps(out);
        assertThat(before).isNotEmpty().hasSizeLessThan(8);
        JsonNode stopped = BatchRuns.json(out.resolve("shards/0.json"));
        assertThat(stopped.path("state").asString()).isEqualTo("running");
        assertThat(stopped.path("complete").asInt()).isEqualTo(before.size());
        assertThat(stopped.path("attempts").get(0).path("written").asInt()).isEqualTo(before.size());
        assertThat(visibleFiles(out)).allSatisfy(name -> assertThat(name).doesNotEndWith(".tmp"));

        rerunToExit0(args, log);
        assertThat(labelMaps(out)).hasSize(8);
        JsonNode record = BatchRuns.json(out.resolve("shards/0.json"));
        assertThat(record.path("state").asString()).isEqualTo("done");
        assertThat(record.path("attempts").get(1).path("skipped").asInt()).isEqualTo(before.size());
        assertThat(record.path("attempts").get(1).path("written").asInt()).isEqualTo(8 - before.size());
    }

    @Test
    void aConfigurationErrorEndsTheJvmWithExitCode78AndAUsageErrorWith64(@TempDir Path dir) throws Exception {
        Path voc = dir.resolve("VOC2012");
        Fixtures.writeVoc(voc, 1, 5);
        Path log = dir.resolve("config.log");
        List<String> missingBundle = new ArrayList<>(BatchRuns.seedArgs(voc, dir.resolve("out"), dir.resolve("state"),
                "--shards", "1"));
        missingBundle.set(missingBundle.indexOf("--bundle") + 1, dir.resolve("no-such-bundle").toString());
        Process config = BatchRuns.start(missingBundle, Map.of("JOB_COMPLETION_INDEX", "0"), log);
        assertThat(config.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)).isTrue();
        assertThat(config.exitValue()).as(BatchRuns.tail(log)).isEqualTo(ExitCodes.CONFIGURATION).isEqualTo(78);
        assertThat(Files.readString(log)).contains("no-such-bundle");

        Process usage = BatchRuns.start(List.of(BatchMain.SEED_BATCH, "--dataset", voc.toString(), "--format", "voc"),
                Map.of(), log);
        assertThat(usage.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)).isTrue();
        assertThat(usage.exitValue()).as(BatchRuns.tail(log)).isEqualTo(ExitCodes.USAGE).isEqualTo(64);
        assertThat(Files.readString(log)).contains("--out is required").contains("usage: seed-batch");
    }

    /** Starts shard 0 and returns once its first label map is visible (or it ended, or the timeout passed). */
    private static Process startAndAwaitFirstLabelMap(List<String> args, Path out, Path log) throws Exception {
        Process shard = BatchRuns.start(args, Map.of("JOB_COMPLETION_INDEX", "0"), log);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(TIMEOUT_MINUTES);
        while (labelMaps(out).isEmpty() && shard.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        return shard;
    }

    private static void rerunToExit0(List<String> args, Path log) throws Exception {
        Process rerun = BatchRuns.start(args, Map.of("JOB_COMPLETION_INDEX", "0"), log);
        assertThat(rerun.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)).isTrue();
        assertThat(rerun.exitValue()).as(BatchRuns.tail(log)).isEqualTo(ExitCodes.OK);
    }

    /** The admin API's seed job over the same dataset, in this JVM, into {@code output}. */
    private static Map<String, String> seedJobReference(Path voc, Path output, Path dir) throws Exception {
        FmaPipeline pipeline = new FmaPipeline(new CamEngine(DemoBundleFixture.bundle()),
                new QuasiSuperpixelService(DemoBundleFixture.bundle(), 0, null));
        try (InferenceScheduler scheduler = new InferenceScheduler("cpu", SchedulerProperties.defaults())) {
            SeedJob job = new SeedJob(new DatasetSpec(DatasetFormat.VOC, voc, "train").open(), PromptSet.manual(Vocabulary.voc()),
                    output, new PipelineExecutor(pipeline, scheduler), AmgProfiles.named("demo"), new ImageDecoder());
            return job.run(new JobContext() {
                @Override
                public String id() {
                    return "reference";
                }

                @Override
                public Path workDirectory() {
                    return dir;
                }

                @Override
                public void progress(JobRecord.ProgressReport progress) {}

                @Override
                public void checkCancelled() {}
            });
        }
    }

    /** Ids of the label maps in a folder. */
    static Set<String> labelMaps(Path out) throws Exception {
        return visibleFiles(out).stream().filter(n -> n.endsWith(".png")).map(n -> n.substring(0, n.length() - 4))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /** Names of the non-hidden regular files directly in a folder. */
    static List<String> visibleFiles(Path out) throws Exception {
        if (!Files.isDirectory(out)) {
            return List.of();
        }
        try (var files = Files.list(out)) {
            return files.filter(Files::isRegularFile).map(p -> p.getFileName().toString()).filter(n -> !n.startsWith("."))
                    .sorted().toList();
        }
    }
}
