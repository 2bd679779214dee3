package com.fmawsss.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Joins the Java measurements with the PyTorch eager pipeline's JSON: the printed table and the
 * {@code bench/results/*.json} document ({@code machine}, {@code date}, {@code endToEnd} and
 * {@code stages}, each with {@code javaMs}, {@code pytorchMs} and {@code ratio} = Java / PyTorch
 * medians).
 */
final class BenchReport {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final ObjectNode root = JSON.createObjectNode();
    private final JsonNode pytorch;

    BenchReport(Path pytorchJson) throws IOException {
        this.pytorch = pytorchJson != null && Files.isRegularFile(pytorchJson)
                ? JSON.readTree(Files.readString(pytorchJson))
                : JSON.createObjectNode();
    }

    ObjectNode root() {
        return root;
    }

    /**
     * Adds the stage rows and the end-to-end row.
     *
     * @param stages Java stage samples
     * @param endToEnd Java end-to-end samples, or null when not measured
     */
    void compare(Map<String, Samples> stages, Samples endToEnd) {
        ObjectNode stageNode = root.putObject("stages");
        JsonNode pyStages = pytorch.path("stages");
        Map<String, Samples> rows = new LinkedHashMap<>(stages);
        pyStages.properties().forEach(e -> rows.putIfAbsent(e.getKey(), null));
        rows.forEach((name, java) -> stageNode.set(name, row(java, pyStages.path(name))));
        if (endToEnd != null || pytorch.has("endToEnd")) {
            root.set("endToEnd", row(endToEnd, pytorch.path("endToEnd")));
        }
    }

    private ObjectNode row(Samples java, JsonNode py) {
        ObjectNode row = JSON.createObjectNode();
        if (java != null) {
            row.put("javaMs", round(java.median()));
            row.put("javaP90Ms", round(java.p90()));
            row.put("javaImagesPerSecond", perSecond(java.median()));
            var samples = row.putArray("javaSamplesMs");
            java.millis().forEach(v -> samples.add(round(v)));
        }
        if (py.has("medianMs")) {
            row.put("pytorchMs", round(py.get("medianMs").asDouble()));
            row.put("pytorchP90Ms", round(py.path("p90Ms").asDouble()));
            row.put("pytorchImagesPerSecond", perSecond(py.get("medianMs").asDouble()));
        }
        if (java != null && py.has("medianMs")) {
            row.put("ratio", Math.round(java.median() / py.get("medianMs").asDouble() * 1000) / 1000.0);
        }
        // The eager side's FLOP count is the work of the stage; both sides' rates are that count over
        // their own time (the Java side skips some of it, e.g. padded window tokens).
        if (py.has("gflop")) {
            double gflop = py.get("gflop").asDouble();
            row.put("gflop", gflop);
            if (py.has("medianMs")) {
                row.put("pytorchGflops", gflops(gflop, py.get("medianMs").asDouble()));
            }
            if (java != null) {
                row.put("javaGflops", gflops(gflop, java.median()));
            }
        }
        return row;
    }

    /** Prints the comparison table. */
    void print() {
        System.out.println();
        System.out.printf(Locale.ROOT, "%-18s %12s %12s %11s %12s %12s %11s %8s %9s %10s %10s%n", "stage", "java median",
                "java p90", "java img/s", "torch median", "torch p90", "torch img/s", "ratio", "GFLOP", "java GF/s",
                "torch GF/s");
        root.path("stages").properties().forEach(e -> printRow(e.getKey(), e.getValue()));
        if (root.has("endToEnd")) {
            printRow("end_to_end", root.get("endToEnd"));
        }
        System.out.printf(Locale.ROOT, "peak RSS: java %.0f MB, pytorch %.0f MB%n", root.path("javaPeakRssMb").asDouble(),
                pytorch.path("peakRssMb").asDouble());
    }

    private static void printRow(String name, JsonNode row) {
        System.out.printf(Locale.ROOT, "%-18s %12s %12s %11s %12s %12s %11s %8s %9s %10s %10s%n", name, cell(row, "javaMs"),
                cell(row, "javaP90Ms"), rate(row, "javaImagesPerSecond"), cell(row, "pytorchMs"), cell(row, "pytorchP90Ms"),
                rate(row, "pytorchImagesPerSecond"),
                row.has("ratio") ? String.format(Locale.ROOT, "%.3f", row.get("ratio").asDouble()) : "-", cell(row, "gflop"),
                cell(row, "javaGflops"), cell(row, "pytorchGflops"));
    }

    private static String rate(JsonNode row, String field) {
        return row.has(field) ? String.format(Locale.ROOT, "%.4f", row.get(field).asDouble()) : "-";
    }

    /** GFLOP/s of {@code gflop} done in {@code millis}, to one decimal. */
    static double gflops(double gflop, double millis) {
        return Math.round(gflop / millis * 10_000.0) / 10.0;
    }

    /** Images per second for a median in milliseconds, to 4 decimals (whole images take seconds here). */
    static double perSecond(double medianMillis) {
        return Math.round(10_000_000.0 / medianMillis) / 10_000.0;
    }

    private static String cell(JsonNode row, String field) {
        return row.has(field) ? String.format(Locale.ROOT, "%.1f", row.get(field).asDouble()) : "-";
    }

    /** Copies the PyTorch side's own fields (versions, counts, peak RSS) under {@code pytorch}. */
    void attachPytorchInfo() {
        ObjectNode info = root.putObject("pytorch");
        pytorch.properties().forEach(e -> {
            if (!e.getKey().equals("stages") && !e.getKey().equals("endToEnd")) {
                info.set(e.getKey(), e.getValue());
            }
        });
    }

    /**
     * Writes the document atomically.
     *
     * @param file target file
     * @throws IOException when it cannot be written
     */
    void write(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        com.fmawsss.io.AtomicFiles.write(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
    }

    static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }
}
