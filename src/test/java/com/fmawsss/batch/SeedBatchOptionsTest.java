package com.fmawsss.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fmawsss.bulkseeding.SeedOutputs;
import com.fmawsss.datasets.DatasetFormat;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SeedBatchOptionsTest {

    static final List<String> BASE = List.of("--dataset", "/data/VOC2012", "--format", "voc", "--out", "/data/seeds");
    static final Map<String, String> BUNDLE = Map.of("FMA_BUNDLE_DIR", "/opt/fma/bundle");

    @Test
    void kubernetesGivesTheIndexThroughTheEnvironmentAndTheFlagWins() {
        SeedBatchOptions k8s = parse(env("JOB_COMPLETION_INDEX", "5"), "--shards", "8");
        assertThat(k8s.index()).isEqualTo(5);
        assertThat(k8s.shards()).isEqualTo(8);
        assertThat(k8s.indexSource()).isEqualTo("JOB_COMPLETION_INDEX");
        assertThat(k8s.bundle()).isEqualTo("/opt/fma/bundle");
        assertThat(k8s.stateDir()).isEqualTo(Path.of("var"));
        assertThat(k8s.device()).isEqualTo("auto");
        assertThat(k8s.prefetch()).isEqualTo(2);
        assertThat(k8s.progressInterval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(k8s.extras()).isEmpty();
        assertThat(k8s.dataset().split()).isEqualTo("train");

        SeedBatchOptions flag = parse(env("JOB_COMPLETION_INDEX", "5"), "--shards", "8", "--index", "2", "--bundle", "b",
                "--rle", "--cams", "--split=train_aug");
        assertThat(flag.index()).isEqualTo(2);
        assertThat(flag.bundle()).isEqualTo("b");
        assertThat(flag.extras()).containsExactlyInAnyOrder(SeedOutputs.Extra.RLE, SeedOutputs.Extra.CAMS);
        assertThat(flag.dataset().split()).isEqualTo("train_aug");
    }

    @Test
    void slurmArraysGiveIndexAndCountRelativeToTheArraysFirstTask() {
        SeedBatchOptions slurm = parse(env("SLURM_ARRAY_TASK_ID", "13", "SLURM_ARRAY_TASK_MIN", "10", "SLURM_ARRAY_TASK_COUNT", "4"));
        assertThat(slurm.index()).isEqualTo(3);
        assertThat(slurm.shards()).isEqualTo(4);
        assertThat(parse(env("SLURM_ARRAY_TASK_ID", "14", "SLURM_ARRAY_TASK_MIN", "10", "SLURM_ARRAY_TASK_COUNT", "6"), "--shards", "5")
                .index()).isEqualTo(4);
    }

    @Test
    void withoutIndexOrCountTheProcessIsTheOnlyShard() {
        SeedBatchOptions alone = parse(BUNDLE);
        assertThat(alone.index()).isZero();
        assertThat(alone.shards()).isEqualTo(1);
        assertThat(parse(BUNDLE, "--format=jsonl").dataset().format()).isEqualTo(DatasetFormat.MANIFEST);
    }

    @Test
    void badCommandLinesAreUsageErrorsAndAMissingBundleIsAConfigurationError() {
        assertExit(ExitCodes.USAGE, "shard count is unknown", env("JOB_COMPLETION_INDEX", "1"));
        assertExit(ExitCodes.USAGE, "outside 0..7", env("JOB_COMPLETION_INDEX", "8"), "--shards", "8");
        assertExit(ExitCodes.USAGE, "at least 1", BUNDLE, "--shards", "0");
        assertExit(ExitCodes.USAGE, "whole number", BUNDLE, "--shards", "two");
        assertExit(ExitCodes.USAGE, "whole number", env("JOB_COMPLETION_INDEX", "-1"), "--shards", "2");
        assertExit(ExitCodes.USAGE, "unknown option --shard", BUNDLE, "--shard", "2");
        assertExit(ExitCodes.USAGE, "--shards needs a value", BUNDLE, "--shards");
        assertThatThrownBy(() -> SeedBatchOptions.parse(List.of("--out", "/a", "--out", "/b"), BUNDLE))
                .hasMessage("--out is given twice");
        assertExit(ExitCodes.USAGE, "--rle takes no value", BUNDLE, "--rle=yes");
        assertExit(ExitCodes.USAGE, "voc, coco or jsonl", BUNDLE, "--format", "parquet");
        assertExit(ExitCodes.USAGE, "not both", BUNDLE, "--prompts", "a", "--prompt-file", "b");
        assertExit(ExitCodes.USAGE, "unexpected argument 'extra'", BUNDLE, "extra");
        assertExit(ExitCodes.CONFIGURATION, "FMA_BUNDLE_DIR", Map.of());
        assertExit(ExitCodes.CONFIGURATION, "FMA_BUNDLE_DIR", Map.of("FMA_BUNDLE_DIR", " "));
    }

    private static SeedBatchOptions parse(Map<String, String> env, String... more) {
        return SeedBatchOptions.parse(args(more), env);
    }

    /** BASE with {@code more} added; an option of {@code more} replaces BASE's. */
    private static List<String> args(String... more) {
        List<String> args = new ArrayList<>();
        for (int i = 0; i < BASE.size(); i += 2) {
            String name = BASE.get(i);
            boolean overridden = false;
            for (String m : more) {
                overridden |= m.equals(name) || m.startsWith(name + "=");
            }
            if (!overridden) {
                args.add(name);
                args.add(BASE.get(i + 1));
            }
        }
        args.addAll(List.of(more));
        return args;
    }

    private static void assertExit(int code, String message, Map<String, String> env, String... more) {
        List<String> args = args(more);
        assertThatThrownBy(() -> SeedBatchOptions.parse(args, env)).isInstanceOfSatisfying(BatchException.class,
                e -> {
                    assertThat(e.exitCode()).as(e.getMessage()).isEqualTo(code);
                    assertThat(e.getMessage()).contains(message);
                });
    }

    private static Map<String, String> env(String... pairs) {
        Map<String, String> env = new java.util.HashMap<>(BUNDLE);
        for (int i = 0; i < pairs.length; i += 2) {
            env.put(pairs[i], pairs[i + 1]);
        }
        return env;
    }
}
