package com.fmawsss.labeling.labelstudio;

import com.fmawsss.io.AtomicFiles;
import com.fmawsss.prompts.Vocabulary;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The files of the correction datasets, one per project under {@code <dir>/project-<id>/}: the JSONL
 * manifest training reads, {@code dataset.json} (which vocabulary the masks index), and the images
 * and masks the manifest names. Every file is written to a temporary name and renamed. Used by one
 * thread (the {@link CorrectionDataset} worker), apart from the read-only queries.
 */
final class CorrectionManifests {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String MANIFEST = "manifest.jsonl";

    private final Supplier<Path> root;
    private final Supplier<Vocabulary> activeVocabulary;
    private final Map<Long, Map<String, ObjectNode>> manifests = new HashMap<>();

    /**
     * @param root the datasets' directory (resolved when first needed: it may be configured later)
     * @param activeVocabulary the vocabulary a new project's dataset uses
     */
    CorrectionManifests(Supplier<Path> root, Supplier<Vocabulary> activeVocabulary) {
        this.root = root;
        this.activeVocabulary = activeVocabulary;
    }

    Path projectDir(long project) {
        return root.get().resolve("project-" + project);
    }

    Path manifestFile(long project) {
        return projectDir(project).resolve(MANIFEST);
    }

    /** The vocabulary of a project's dataset (the active one when the dataset does not exist yet). */
    Vocabulary vocabulary(long project) {
        Path info = projectDir(project).resolve("dataset.json");
        if (Files.isRegularFile(info)) {
            try {
                String name = JSON.readTree(Files.readAllBytes(info)).path("vocabulary").asString("");
                return Vocabulary.builtIn(name).orElseThrow(() -> new IllegalStateException(
                        info + " names an unknown vocabulary '" + name + "'"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return activeVocabulary.get();
    }

    /** The vocabulary of a project's dataset, recorded in {@code dataset.json} when the dataset starts. */
    Vocabulary vocabularyFor(long project) throws IOException {
        Path info = projectDir(project).resolve("dataset.json");
        if (Files.isRegularFile(info)) {
            return vocabulary(project);
        }
        Vocabulary vocabulary = activeVocabulary.get();
        if (Vocabulary.builtIn(vocabulary.name()).isEmpty()) {
            throw new IllegalArgumentException("the active vocabulary '" + vocabulary.name() + "' is not a built-in one (voc, coco)");
        }
        Files.createDirectories(info.getParent());
        ObjectNode node = JSON.createObjectNode();
        node.put("project", project);
        node.put("vocabulary", vocabulary.name());
        AtomicFiles.write(info, JSON.writeValueAsBytes(node));
        return vocabulary;
    }

    /** Number of samples a project's manifest holds. */
    int size(long project) {
        Path manifest = manifestFile(project);
        if (!Files.isRegularFile(manifest)) {
            return 0;
        }
        try (Stream<String> lines = Files.lines(manifest)) {
            return (int) lines.filter(l -> !l.isBlank()).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The manifest's lines by sample id, read once and then kept in memory. */
    Map<String, ObjectNode> manifest(long project, boolean create) throws IOException {
        Map<String, ObjectNode> manifest = manifests.get(project);
        if (manifest != null) {
            return manifest;
        }
        manifest = new LinkedHashMap<>();
        Path file = manifestFile(project);
        if (Files.isRegularFile(file)) {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    ObjectNode node = (ObjectNode) JSON.readTree(line);
                    manifest.put(node.path("id").asString(), node);
                }
            }
        }
        if (create || !manifest.isEmpty()) {
            manifests.put(project, manifest);
        }
        return manifest;
    }

    /** Writes a sample's image and mask, and its manifest line (replacing an older one of the same task). */
    void putSample(long project, String id, String imageName, byte[] image, byte[] maskPng, long task, long annotation)
            throws IOException {
        Map<String, ObjectNode> manifest = manifest(project, true);
        Path dir = projectDir(project);
        String maskName = "masks/" + id + ".png";
        Files.createDirectories(dir.resolve("images"));
        Files.createDirectories(dir.resolve("masks"));
        ObjectNode previous = manifest.get(id);
        if (previous != null && !previous.path("image").asString().equals(imageName)) {
            Files.deleteIfExists(dir.resolve(previous.path("image").asString()));
        }
        AtomicFiles.write(dir.resolve(imageName), image);
        AtomicFiles.write(dir.resolve(maskName), maskPng);
        ObjectNode line = JSON.createObjectNode();
        line.put("image", imageName);
        line.put("mask", maskName);
        line.put("id", id);
        line.put("task", task);
        line.put("annotation", annotation);
        manifest.put(id, line);
        write(project, manifest);
    }

    /** Removes a sample (its files and its line), if the manifest holds it. */
    void removeSample(long project, String id) throws IOException {
        Map<String, ObjectNode> manifest = manifest(project, false);
        if (manifest.containsKey(id)) {
            delete(project, manifest, id);
            write(project, manifest);
        }
    }

    /** Removes the samples of deleted annotations. */
    void removeAnnotations(long project, Collection<Long> annotations) throws IOException {
        Map<String, ObjectNode> manifest = manifest(project, false);
        var removed = manifest.entrySet().stream()
                .filter(e -> annotations.contains(e.getValue().path("annotation").asLong())).map(Map.Entry::getKey).toList();
        for (String id : removed) {
            delete(project, manifest, id);
        }
        if (!removed.isEmpty()) {
            write(project, manifest);
        }
    }

    private void delete(long project, Map<String, ObjectNode> manifest, String id) throws IOException {
        ObjectNode line = manifest.remove(id);
        Path dir = projectDir(project);
        Files.deleteIfExists(dir.resolve(line.path("image").asString()));
        Files.deleteIfExists(dir.resolve(line.path("mask").asString()));
    }

    private void write(long project, Map<String, ObjectNode> manifest) throws IOException {
        StringBuilder text = new StringBuilder();
        for (ObjectNode line : manifest.values()) {
            text.append(JSON.writeValueAsString(line)).append('\n');
        }
        AtomicFiles.write(manifestFile(project), text.toString().getBytes(StandardCharsets.UTF_8));
    }
}
