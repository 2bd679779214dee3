package com.fmawsss.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The benchmark workload shared with the PyTorch eager pipeline ({@code bench/workload.json}).
 *
 * @param image the image file
 * @param classSets class lists by name ({@code "1"}, {@code "3"}, {@code "6"})
 * @param seedClasses the class set of the seed and end-to-end runs
 * @param alpha SAMS background exponent of the seed runs
 * @param amg mask-generation settings as {@code fma.sam.override.*} values
 * @param warmup untimed runs before each step
 * @param stageRepeats timed runs per stage
 * @param endToEndRepeats timed end-to-end requests
 * @param sizes long sides of the image-size scaling runs
 * @param clients concurrency levels of the throughput runs
 */
public record Workload(
        Path image,
        Map<String, List<String>> classSets,
        String seedClasses,
        double alpha,
        Map<String, String> amg,
        int warmup,
        int stageRepeats,
        int endToEndRepeats,
        List<Integer> sizes,
        List<Integer> clients) {

    /**
     * Reads a workload file; relative paths are resolved against {@code base}.
     *
     * @param file the JSON file
     * @param base the repository root
     * @return the workload
     * @throws java.io.IOException when unreadable
     */
    public static Workload read(Path file, Path base) throws java.io.IOException {
        JsonNode root = JsonMapper.builder().build().readTree(Files.readString(file));
        Map<String, List<String>> sets = new LinkedHashMap<>();
        root.get("classSets").properties().forEach(e -> sets.put(e.getKey(), strings(e.getValue())));
        Map<String, String> amg = new LinkedHashMap<>();
        root.get("amg").properties().forEach(e -> amg.put(e.getKey(), e.getValue().isArray()
                ? String.join(",", strings(e.getValue()))
                : e.getValue().asString()));
        JsonNode repeats = root.get("repeats");
        JsonNode scaling = root.get("scaling");
        return new Workload(base.resolve(root.get("image").asString()), sets, root.get("seedClasses").asString(),
                root.get("alpha").asDouble(), amg,
                repeats.get("warmup").asInt(), repeats.get("stages").asInt(), repeats.get("endToEnd").asInt(),
                ints(scaling.get("sizes")), ints(scaling.get("clients")));
    }

    /**
     * Returns the classes of the seed and end-to-end runs.
     *
     * @return class names
     */
    public List<String> seedClassList() {
        return classSets.get(seedClasses);
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(v -> out.add(v.asString()));
        return out;
    }

    private static List<Integer> ints(JsonNode array) {
        List<Integer> out = new ArrayList<>();
        array.forEach(v -> out.add(v.asInt()));
        return out;
    }
}
