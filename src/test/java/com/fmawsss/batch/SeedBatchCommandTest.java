package com.fmawsss.batch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fmawsss.reliability.Fixtures;
import com.fmawsss.tensors.NpyArray;
import com.fmawsss.tensors.Npz;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** seed-batch and seed-merge in this JVM: image failures, configuration errors, merge checks. */
class SeedBatchCommandTest {

    @Test
    void aCorruptAndAMissingImageAreListedAsFailedAndEverythingElseIsDone(@TempDir Path dir) throws Exception {
        Path voc = dir.resolve("VOC2012");
        Fixtures.writeVoc(voc, 4, 60);
        byte[] jpeg = Files.readAllBytes(voc.resolve("JPEGImages/img1.jpg"));
        Files.write(voc.resolve("JPEGImages/img1.jpg"), java.util.Arrays.copyOf(jpeg, jpeg.length / 3)); // truncated
        Files.delete(voc.resolve("JPEGImages/img2.jpg"));
        Path out = dir.resolve("seeds");

        BatchRuns.Result run = BatchRuns.run(Map.of(), args(voc, out, dir, "--prefetch", "1"));
        assertThat(run.exitCode()).as(run.log()).isEqualTo(ExitCodes.OK);
        assertThat(SeedBatchProcessTest.labelMaps(out)).containsExactly("img0", "img3");
        JsonNode record = BatchRuns.json(out.resolve("shards/0.json"));
        assertThat(record.path("state").asString()).isEqualTo("done");
        assertThat(record.path("complete").asInt()).isEqualTo(2);
        assertThat(record.path("failed").asInt()).isEqualTo(2);
        assertThat(record.path("remaining").asInt()).isZero();
        Map<String, String> reasons = failures(record);
        assertThat(reasons.keySet()).containsExactly("img1", "img2");
        assertThat(reasons.get("img1")).startsWith("undecodable image");
        assertThat(reasons.get("img2")).startsWith("missing image");
        assertThat(run.log()).contains("img1 failed").contains("0/1: 4/4 (100.0%), 2 written, 2 failed");

        // Every entry has an output or a recorded failure: the run is complete.
        BatchRuns.Result merge = BatchRuns.run(Map.of(), BatchMain.SEED_MERGE, "--out", out.toString());
        assertThat(merge.exitCode()).as(merge.log()).isEqualTo(ExitCodes.OK);
        JsonNode report = BatchRuns.json(out.resolve("report.json"));
        assertThat(report.path("complete").asBoolean()).isTrue();
        assertThat(report.path("counts").path("outputs").asInt()).isEqualTo(2);
        assertThat(report.path("counts").path("failures").asInt()).isEqualTo(2);
        assertThat(report.path("failures").get(0).path("id").asString()).isEqualTo("img1");
        assertThat(report.path("failures").get(0).path("shard").asInt()).isZero();
        assertThat(report.path("evaluation").path("images").asInt()).isEqualTo(2);

        // A rerun retries the failed images (they have no output) and skips the finished ones.
        Files.write(voc.resolve("JPEGImages/img1.jpg"), jpeg);
        BatchRuns.Result rerun = BatchRuns.run(Map.of(), args(voc, out, dir, "--prefetch", "0"));
        assertThat(rerun.exitCode()).as(rerun.log()).isEqualTo(ExitCodes.OK);
        JsonNode again = BatchRuns.json(out.resolve("shards/0.json"));
        assertThat(failures(again).keySet()).containsExactly("img2");
        JsonNode attempt = again.path("attempts").get(1);
        assertThat(attempt.path("skipped").asInt()).isEqualTo(2);
        assertThat(attempt.path("written").asInt()).isEqualTo(1);
        assertThat(attempt.path("failed").asInt()).isEqualTo(1);
    }

    @Test
    void configurationErrorsExitWith78BeforeAnyImageIsSeeded(@TempDir Path dir) throws Exception {
        Path voc = dir.resolve("VOC2012");
        Fixtures.writeVoc(voc, 2, 80);
        Path out = dir.resolve("seeds");

        assertConfigurationError(BatchRuns.run(Map.of(), withValue(args(voc, out, dir), "--bundle", dir.resolve("nope").toString())),
                "nope");
        List<String> noBundle = new ArrayList<>(List.of(args(voc, out, dir)));
        int at = noBundle.indexOf("--bundle");
        noBundle.subList(at, at + 2).clear();
        assertConfigurationError(BatchRuns.run(Map.of(), noBundle.toArray(String[]::new)), "FMA_BUNDLE_DIR");
        assertConfigurationError(BatchRuns.run(Map.of(), args(voc, out, dir, "--prompts", "seg-voc-9")), "seg-voc-9");
        assertConfigurationError(BatchRuns.run(Map.of(), args(dir.resolve("missing"), out, dir)), "does not exist");
        assertConfigurationError(BatchRuns.run(Map.of(), args(voc, out, dir, "--prompt-file", dir.resolve("p.safetensors").toString())),
                "p.safetensors");
        // A listing line that is neither an id nor an image/mask pair: the listing itself is broken.
        Files.writeString(voc.resolve("ImageSets/Segmentation/bad.txt"), "img0\na b c\n");
        List<String> badSplit = new ArrayList<>(List.of(args(voc, out, dir)));
        badSplit.set(badSplit.indexOf("train"), "bad");
        assertConfigurationError(BatchRuns.run(Map.of(), badSplit.toArray(String[]::new)), "UNREADABLE_LINE");
        assertThat(out.resolve("shards")).doesNotExist();
    }

    @Test
    void aSecondRunWithAnotherShardCountOrOtherPinsIsRefusedAndMergeFlagsMixedRecords(@TempDir Path dir) throws Exception {
        Path voc = dir.resolve("VOC2012");
        Fixtures.writeVoc(voc, 3, 120);
        Path out = dir.resolve("seeds");
        BatchRuns.Result first = BatchRuns.run(Map.of("JOB_COMPLETION_INDEX", "1"), args(voc, out, dir, "--shards", "2"));
        assertThat(first.exitCode()).as(first.log()).isEqualTo(ExitCodes.OK);

        BatchRuns.Result reshard = BatchRuns.run(Map.of("JOB_COMPLETION_INDEX", "0"), args(voc, out, dir, "--shards", "3"));
        assertConfigurationError(reshard, "records of a run with 2 shards");
        BatchRuns.Result otherProfile = BatchRuns.run(Map.of("JOB_COMPLETION_INDEX", "0"),
                withValue(args(voc, out, dir, "--shards", "2"), "--amg", "official"));
        assertConfigurationError(otherProfile, "mask-generation settings");
        BatchRuns.Result otherOutputs = BatchRuns.run(Map.of("JOB_COMPLETION_INDEX", "0"), args(voc, out, dir, "--shards", "2", "--cams"));
        assertConfigurationError(otherOutputs, "outputs: [png] -> [png, cams]");

        // Shard 0 never ran: its images have neither output nor failure.
        BatchRuns.Result partial = BatchRuns.run(Map.of(), BatchMain.SEED_MERGE, "--out", out.toString());
        assertThat(partial.exitCode()).as(partial.log()).isEqualTo(ExitCodes.INCOMPLETE);
        JsonNode report = BatchRuns.json(out.resolve("report.json"));
        assertThat(report.path("complete").asBoolean()).isFalse();
        int shard0 = ShardAssignment.select(new com.fmawsss.datasets.DatasetSpec(
                com.fmawsss.datasets.DatasetFormat.VOC, voc, "train").open().samples(), 0, 2).size();
        assertThat(report.path("counts").path("missing").asInt()).isEqualTo(shard0);
        assertThat(texts(report.path("problems"))).anyMatch(p -> p.contains("shard 0 has no record"));

        BatchRuns.Result rest = BatchRuns.run(Map.of("JOB_COMPLETION_INDEX", "0"), args(voc, out, dir, "--shards", "2"));
        assertThat(rest.exitCode()).as(rest.log()).isEqualTo(ExitCodes.OK);
        assertThat(BatchRuns.run(Map.of(), BatchMain.SEED_MERGE, "--out", out.toString()).exitCode()).isEqualTo(ExitCodes.OK);

        // A record of another shard count (as if a second run had started with --shards 3).
        ObjectNode alien = (ObjectNode) BatchRuns.json(out.resolve("shards/1.json"));
        alien.put("shards", 3).put("index", 2);
        Files.write(out.resolve("shards/2.json"), RunFolder.JSON.writeValueAsBytes(alien));
        Files.write(out.resolve("stray.png"), Files.readAllBytes(out.resolve(SeedBatchProcessTest.labelMaps(out).iterator().next() + ".png")));
        BatchRuns.Result mixed = BatchRuns.run(Map.of(), BatchMain.SEED_MERGE, "--out", out.toString());
        assertThat(mixed.exitCode()).as(mixed.log()).isEqualTo(ExitCodes.INCOMPLETE);
        JsonNode mixedReport = BatchRuns.json(out.resolve("report.json"));
        assertThat(texts(mixedReport.path("problems"))).anyMatch(p -> p.contains("shard count changed"));
        assertThat(texts(mixedReport.path("unexpectedOutputs"))).containsExactly("stray");
    }

    @Test
    void seedBatchRunsAtThePrecisionTheServiceWouldAndPinsIt(@TempDir Path dir) throws Exception {
        Path voc = dir.resolve("VOC2012");
        Fixtures.writeVoc(voc, 1, 80);
        Path bf16 = dir.resolve("bf16");
        Path fp32 = dir.resolve("fp32");

        // FMA_DTYPE, the service's variable, reaches seed-batch; --dtype overrides it.
        BatchRuns.Result fromEnvironment = BatchRuns.run(Map.of("FMA_DTYPE", "bf16"), args(voc, bf16, dir, "--cams"));
        assertThat(fromEnvironment.exitCode()).as(fromEnvironment.log()).isEqualTo(ExitCodes.OK);
        BatchRuns.Result fromFlag = BatchRuns.run(Map.of("FMA_DTYPE", "bf16"), args(voc, fp32, dir, "--cams", "--dtype", "fp32"));
        assertThat(fromFlag.exitCode()).as(fromFlag.log()).isEqualTo(ExitCodes.OK);
        assertThat(BatchRuns.json(bf16.resolve("shards/0.json")).path("pins").path("precision").asString()).isEqualTo("bf16");
        assertThat(BatchRuns.json(fp32.resolve("shards/0.json")).path("pins").path("precision").asString()).isEqualTo("fp32");

        // The bf16 variants really ran: the same image's CAMs differ, by a bf16-sized amount.
        float[] camsBf16 = rawCams(bf16.resolve("img0.cams.npz"));
        float[] camsFp32 = rawCams(fp32.resolve("img0.cams.npz"));
        double largest = 0;
        double difference = 0;
        for (int i = 0; i < camsFp32.length; i++) {
            largest = Math.max(largest, Math.abs(camsFp32[i]));
            difference = Math.max(difference, Math.abs(camsFp32[i] - camsBf16[i]));
        }
        assertThat(difference).isPositive().isLessThan(0.1 * largest);

        // A rerun at another precision into the same folder would mix models: refused.
        BatchRuns.Result mixed = BatchRuns.run(Map.of(), args(voc, bf16, dir, "--cams", "--dtype", "fp32"));
        assertConfigurationError(mixed, "precision: bf16 -> fp32");
        assertThat(BatchRuns.run(Map.of(), args(voc, fp32, dir, "--dtype", "fp16")).exitCode()).isEqualTo(ExitCodes.USAGE);
    }

    private static float[] rawCams(Path npz) throws Exception {
        Map<String, NpyArray> arrays = Npz.read(Files.readAllBytes(npz), 1 << 24);
        return arrays.get("raw").toFloatTensor().data();
    }

    @Test
    void usageErrorsExitWith64(@TempDir Path dir) {
        Path voc = dir.resolve("VOC2012");
        Path out = dir.resolve("seeds");
        assertThat(BatchRuns.run(Map.of(), args(voc, out, dir, "--shards", "2", "--index", "2")).exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(BatchRuns.run(Map.of(), args(voc, out, dir, "--colour", "red")).exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(BatchRuns.run(Map.of(), BatchMain.SEED_MERGE).exitCode()).isEqualTo(ExitCodes.USAGE);
        BatchRuns.Result noRecords = BatchRuns.run(Map.of(), BatchMain.SEED_MERGE, "--out", out.toString());
        assertThat(noRecords.exitCode()).as(noRecords.log()).isEqualTo(ExitCodes.CONFIGURATION);
    }

    private static void assertConfigurationError(BatchRuns.Result result, String message) {
        assertThat(result.exitCode()).as(result.log()).isEqualTo(ExitCodes.CONFIGURATION);
        assertThat(result.log()).contains("error:").contains(message);
    }

    private static String[] args(Path voc, Path out, Path dir, String... more) {
        return BatchRuns.seedArgs(voc, out, dir.resolve("state"), more).toArray(String[]::new);
    }

    private static String[] withValue(String[] args, String option, String value) {
        List<String> list = new ArrayList<>(List.of(args));
        list.set(list.indexOf(option) + 1, value);
        return list.toArray(String[]::new);
    }

    private static Map<String, String> failures(JsonNode record) {
        Map<String, String> reasons = new java.util.TreeMap<>();
        record.path("failures").forEach(f -> reasons.put(f.path("id").asString(), f.path("reason").asString()));
        return reasons;
    }

    private static Set<String> texts(JsonNode array) {
        Set<String> texts = new TreeSet<>();
        array.forEach(n -> texts.add(n.asString()));
        return texts;
    }
}
