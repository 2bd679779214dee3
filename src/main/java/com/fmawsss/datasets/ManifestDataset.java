package com.fmawsss.datasets;

import com.fmawsss.prompts.Vocabulary;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A JSON-lines manifest, one object per line:
 * {@code {"image": "img/a.jpg", "labels": ["cat", "dog"], "mask": "masks/a.png", "id": "a"}}.
 *
 * <p>{@code image} is required; {@code mask} (a palette or grey label PNG, label = vocabulary index
 * + 1, 255 = ignore) and {@code id} (default: the image file name without extension) are optional.
 * {@code labels} are class names resolved against the vocabulary (case-insensitive); when the key
 * is absent and a mask is given, the labels are the classes present in the mask. Paths are relative
 * to the manifest's directory and must stay inside it. Blank lines are skipped.
 */
public final class ManifestDataset extends LoadedDataset {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private ManifestDataset(String name, Vocabulary vocabulary, List<TrainingSample> samples, List<DatasetProblem> problems) {
        super(name, vocabulary, samples, problems);
    }

    /**
     * Opens a manifest with the VOC vocabulary.
     *
     * @param manifest the {@code .jsonl} file
     * @return the dataset; problems are in {@link #problems()}
     */
    public static ManifestDataset open(Path manifest) {
        return open(manifest, Vocabulary.voc());
    }

    /**
     * Opens a manifest whose class names and mask labels refer to a vocabulary.
     *
     * @param manifest the {@code .jsonl} file
     * @param vocabulary the classes
     * @return the dataset; problems are in {@link #problems()}
     */
    public static ManifestDataset open(Path manifest, Vocabulary vocabulary) {
        Objects.requireNonNull(manifest, "manifest");
        Objects.requireNonNull(vocabulary, "vocabulary");
        String name = "manifest:" + manifest;
        List<DatasetProblem> problems = new ArrayList<>();
        String file = manifest.getFileName() == null ? manifest.toString() : manifest.getFileName().toString();
        List<String> lines;
        try {
            lines = Files.readAllLines(manifest, StandardCharsets.UTF_8);
        } catch (IOException e) {
            problems.add(new DatasetProblem(DatasetProblem.Kind.MISSING_INDEX, manifest.toString(),
                    "manifest not readable: " + e.getMessage()));
            return new ManifestDataset(name, vocabulary, List.of(), problems);
        }
        Path base = manifest.toAbsolutePath().normalize().getParent();
        List<TrainingSample> samples = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (!line.isEmpty()) {
                parse(line, file + ":" + (i + 1), base, vocabulary, problems).ifPresent(samples::add);
            }
        }
        return new ManifestDataset(name, vocabulary, samples, problems);
    }

    private static Optional<TrainingSample> parse(
            String line, String where, Path base, Vocabulary vocabulary, List<DatasetProblem> problems) {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JacksonException e) {
            problems.add(new DatasetProblem(DatasetProblem.Kind.UNREADABLE_LINE, where,
                    "not valid JSON: " + e.getOriginalMessage()));
            return Optional.empty();
        }
        if (!node.isObject() || !node.path("image").isString()) {
            problems.add(new DatasetProblem(DatasetProblem.Kind.UNREADABLE_LINE, where,
                    "expected an object with a string \"image\""));
            return Optional.empty();
        }
        JsonNode labelsNode = node.path("labels");
        JsonNode maskNode = node.path("mask");
        JsonNode idNode = node.path("id");
        if (!(labelsNode.isMissingNode() || labelsNode.isArray())
                || !(maskNode.isMissingNode() || maskNode.isNull() || maskNode.isString())
                || !(idNode.isMissingNode() || idNode.isString() || idNode.isNumber())) {
            problems.add(new DatasetProblem(DatasetProblem.Kind.UNREADABLE_LINE, where,
                    "\"labels\" must be an array of names, \"mask\" a path, \"id\" a string"));
            return Optional.empty();
        }
        Optional<Path> image = DatasetPaths.resolve(base, node.get("image").asString());
        Optional<Path> mask = maskNode.isString() ? DatasetPaths.resolve(base, maskNode.asString()) : Optional.empty();
        if (image.isEmpty() || (maskNode.isString() && mask.isEmpty())) {
            problems.add(new DatasetProblem(DatasetProblem.Kind.PATH_OUTSIDE_ROOT, where,
                    "image and mask paths must lie inside the manifest's directory " + base));
            return Optional.empty();
        }
        String id = idNode.isMissingNode() ? DatasetPaths.stem(image.get()) : idNode.asString();
        List<Integer> labels = new ArrayList<>();
        if (labelsNode.isArray()) {
            for (JsonNode label : labelsNode) {
                int index = label.isString() ? vocabulary.indexOf(label.asString()) : -1;
                if (index >= 0) {
                    labels.add(index);
                } else {
                    problems.add(new DatasetProblem(DatasetProblem.Kind.UNKNOWN_CLASS, where,
                            "class " + label + " is not in vocabulary " + vocabulary.name()));
                }
            }
        } else if (mask.isPresent() && Files.isRegularFile(mask.get())) {
            MaskFiles.addPresentClasses(mask.get(), vocabulary, where, labels, problems);
        }
        return Optional.of(new TrainingSample(id, image.get(), labels, mask, where));
    }

    @Override
    public DatasetFormat format() {
        return DatasetFormat.MANIFEST;
    }
}
