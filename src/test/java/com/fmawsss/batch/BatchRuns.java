package com.fmawsss.batch;

import com.fmawsss.DemoBundleFixture;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/** Runs the batch commands in this JVM or as separate processes, and reads what they wrote. */
final class BatchRuns {

    private BatchRuns() {}

    /** A finished in-process run: its exit code and everything it printed. */
    record Result(int exitCode, String log) {}

    /** Runs a batch command in this JVM with the given environment. */
    static Result run(Map<String, String> env, String... args) {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        int code;
        try (PrintStream out = new PrintStream(log, true, StandardCharsets.UTF_8)) {
            code = BatchMain.run(args, env, out);
        }
        return new Result(code, log.toString(StandardCharsets.UTF_8));
    }

    /** The seed-batch arguments of a demo-bundle run over a VOC folder (split {@code train}). */
    static List<String> seedArgs(Path voc, Path out, Path state, String... more) {
        List<String> args = new ArrayList<>(List.of(BatchMain.SEED_BATCH, "--dataset", voc.toString(), "--format", "voc",
                "--split", "train", "--out", out.toString(), "--bundle", DemoBundleFixture.dir().toString(), "--amg", "demo",
                "--state", state.toString(), "--progress-seconds", "0"));
        args.addAll(List.of(more));
        return args;
    }

    /**
     * Starts the jar's main class as its own JVM (the test classpath), with {@code env} added to a
     * clean environment (no FMA_*, JOB_*, SLURM_* inherited), output appended to {@code log}.
     */
    static Process start(List<String> args, Map<String, String> env, Path log) throws IOException {
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> command = new ArrayList<>(List.of(java, "-Xmx768m", "-XX:+ExitOnOutOfMemoryError",
                "-cp", System.getProperty("java.class.path"), "com.fmawsss.FmaWsssApplication"));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().keySet().removeIf(k -> k.startsWith("FMA_") || k.startsWith("JOB_") || k.startsWith("SLURM_"));
        builder.environment().putAll(env);
        return builder.start();
    }

    static JsonNode json(Path file) throws IOException {
        return RunFolder.JSON.readTree(Files.readAllBytes(file));
    }

    static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
