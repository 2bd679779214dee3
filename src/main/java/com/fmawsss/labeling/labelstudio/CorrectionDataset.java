package com.fmawsss.labeling.labelstudio;

import com.fmawsss.image.DecodedImage;
import com.fmawsss.image.ImageDecoder;
import com.fmawsss.image.ImageLimits;
import com.fmawsss.image.LabelMapPng;
import com.fmawsss.io.AtomicFiles;
import com.fmawsss.prompts.Vocabulary;
import com.fmawsss.security.OutboundRequestException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Human-corrected Label Studio annotations as a training dataset: one JSONL manifest per project
 * in the format training reads (docs/datasets.md), under {@code <data root>/<dataset-dir>/project-<id>/}
 * ({@code <state>/label-studio-corrections/project-<id>/} without data roots):
 *
 * <pre>
 * manifest.jsonl      {"image": "images/task-7.jpg", "mask": "masks/task-7.png", "id": "task-7", "task": 7, "annotation": 31}
 * dataset.json        {"project": 3, "vocabulary": "voc"}
 * images/task-7.jpg   the task's image as Label Studio serves it
 * masks/task-7.png    label = vocabulary index + 1, 0 unlabelled, 255 labels outside the vocabulary
 * </pre>
 *
 * Webhooks must be answered within Label Studio's short webhook timeout, so an event is only
 * written to a spool directory ({@code .spool/}) and acknowledged; one worker thread then fetches
 * the image, decodes the brush RLE and polygons and rewrites the manifest, in arrival order. Every
 * file is written to a temporary name and renamed, and a spool entry is deleted only after the
 * manifest took it, so a crash or restart loses nothing (leftover entries are processed at start).
 * Entries that fail for good (no usable control, image unreadable, sizes disagree) move to {@code
 * .spool/rejected/} with the reason; transient failures (Label Studio unreachable) are retried with
 * back-off. The latest annotation of a task wins; deleted annotations leave the manifest.
 */
public final class CorrectionDataset implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CorrectionDataset.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final long MAX_BACKOFF_SECONDS = 600;

    private final Supplier<Path> root;
    private final Supplier<Vocabulary> activeVocabulary;
    private final LabelStudioClient client;
    private final ImageDecoder decoder;
    private final ImageLimits limits;
    private final ScheduledExecutorService worker;
    private final AtomicLong sequence = new AtomicLong(System.currentTimeMillis() * 1000);
    private final AtomicLong pending = new AtomicLong();
    private final CorrectionManifests manifests;
    private long backoffSeconds;

    /**
     * Creates the store; call {@link #start()} to process entries a previous process left.
     *
     * @param root the directory of the datasets, resolved when needed (it may be refused, e.g. a
     *     {@code dataset-dir} outside the data roots, and is then refused for every event)
     * @param activeVocabulary the vocabulary a new project's dataset uses
     * @param client fetches task images
     * @param decoder image decoding
     * @param limits image limits
     */
    public CorrectionDataset(Supplier<Path> root, Supplier<Vocabulary> activeVocabulary, LabelStudioClient client,
            ImageDecoder decoder, ImageLimits limits) {
        this.root = root;
        this.activeVocabulary = activeVocabulary;
        this.client = client;
        this.decoder = decoder;
        this.limits = limits;
        this.manifests = new CorrectionManifests(this::root, activeVocabulary);
        this.worker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "fma-label-studio-dataset");
            t.setDaemon(true);
            return t;
        });
    }

    /** Processes spool entries left by a previous process. */
    public void start() {
        try {
            Path spool = spool();
            if (Files.isDirectory(spool)) {
                try (Stream<Path> entries = Files.list(spool)) {
                    pending.addAndGet(entries.filter(CorrectionDataset::isEntry).count());
                }
                worker.execute(this::drain);
            }
        } catch (RuntimeException | IOException e) {
            LOG.warn("cannot look for unprocessed Label Studio annotations: {}", e.getMessage());
        }
    }

    /**
     * Queues an annotation.
     *
     * @param project project id
     * @param labelConfig the project's label config
     * @param task the annotated task
     * @param result the annotation's {@code result} array
     * @return the spool entry's name
     */
    public String accept(long project, String labelConfig, LabelStudioTask task, long annotationId, JsonNode result) {
        ObjectNode entry = JSON.createObjectNode();
        entry.put("kind", "upsert");
        entry.put("project", project);
        entry.put("labelConfig", labelConfig);
        entry.put("task", task.id());
        entry.set("data", task.data());
        entry.put("annotation", annotationId);
        entry.set("result", result);
        return enqueue(entry);
    }

    /**
     * Queues the removal of deleted annotations.
     *
     * @param project project id
     * @param annotationIds the deleted annotations
     * @return the spool entry's name
     */
    public String delete(long project, List<Long> annotationIds) {
        ObjectNode entry = JSON.createObjectNode();
        entry.put("kind", "delete");
        entry.put("project", project);
        annotationIds.forEach(entry.putArray("annotations")::add);
        return enqueue(entry);
    }

    /**
     * Waits until every queued entry is processed (or has failed for good).
     *
     * @param timeout the longest wait
     * @throws InterruptedException when interrupted
     */
    public boolean awaitIdle(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (pending.get() > 0) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    /** {@code <dataset-dir>/project-<id>/manifest.jsonl} */
    public Path manifest(long project) {
        return manifests.manifestFile(project);
    }

    /** The vocabulary of a project's dataset (the active one when the dataset does not exist yet). */
    public Vocabulary vocabulary(long project) {
        return manifests.vocabulary(project);
    }

    /** Number of samples a project's manifest holds. */
    public int size(long project) {
        return manifests.size(project);
    }

    @Override
    public void close() {
        worker.shutdownNow();
    }

    private String enqueue(ObjectNode entry) {
        Path spool = spool();
        String name = String.format(Locale.ROOT, "%020d.json", sequence.incrementAndGet());
        try {
            Files.createDirectories(spool);
            AtomicFiles.write(spool.resolve(name), JSON.writeValueAsBytes(entry));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot queue the annotation in " + spool + ": " + e.getMessage(), e);
        }
        pending.incrementAndGet();
        worker.execute(this::drain);
        return name;
    }

    private void drain() {
        List<Path> entries;
        try (Stream<Path> files = Files.list(spool())) {
            entries = files.filter(CorrectionDataset::isEntry).sorted().toList();
        } catch (IOException | RuntimeException e) {
            LOG.warn("cannot read the annotation spool: {}", e.getMessage());
            return;
        }
        for (Path entry : entries) {
            if (!Files.exists(entry)) {
                continue;
            }
            try {
                process(JSON.readTree(Files.readAllBytes(entry)));
                Files.deleteIfExists(entry);
                pending.decrementAndGet();
                backoffSeconds = 0;
            } catch (OutboundRequestException e) {
                if (e.isTransient()) {
                    backoffSeconds = Math.min(MAX_BACKOFF_SECONDS, Math.max(5, backoffSeconds * 2));
                    LOG.warn("annotation {} waits: {}; retrying in {} s", entry.getFileName(), e.getMessage(), backoffSeconds);
                    worker.schedule(this::drain, backoffSeconds, TimeUnit.SECONDS);
                    return;
                }
                reject(entry, e.getMessage());
            } catch (IOException | RuntimeException e) {
                if (e instanceof UncheckedIOException || e instanceof IOException) {
                    // The disk, not the entry: keep it and try again later.
                    LOG.warn("annotation {} cannot be stored: {}", entry.getFileName(), e.getMessage());
                    worker.schedule(this::drain, 30, TimeUnit.SECONDS);
                    return;
                }
                reject(entry, e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
            }
        }
    }

    private void reject(Path entry, String reason) {
        LOG.warn("Label Studio annotation {} is not stored: {}", entry.getFileName(), reason);
        try {
            Path rejected = spool().resolve("rejected");
            Files.createDirectories(rejected);
            AtomicFiles.write(rejected.resolve(entry.getFileName() + ".error.txt"), reason.getBytes(StandardCharsets.UTF_8));
            Files.move(entry, rejected.resolve(entry.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            LOG.warn("cannot move {} aside: {}", entry, e.getMessage());
            try {
                Files.deleteIfExists(entry);
            } catch (IOException ignored) {
                // Logged above; the entry is retried at the next start.
            }
        }
        pending.decrementAndGet();
    }

    private void process(JsonNode entry) throws IOException {
        long project = entry.path("project").asLong();
        if ("delete".equals(entry.path("kind").asString())) {
            List<Long> ids = new ArrayList<>();
            entry.path("annotations").forEach(id -> ids.add(id.asLong()));
            manifests.removeAnnotations(project, ids);
            return;
        }
        LabelConfig.Target target = LabelConfig.parse(entry.path("labelConfig").asString()).target().orElseThrow(
                () -> new IllegalArgumentException("the label config has no BrushLabels or PolygonLabels control bound to an Image"));
        long taskId = entry.path("task").asLong();
        LabelStudioTask task = new LabelStudioTask(taskId, entry.path("data"), null);
        String value = task.dataValue(target.dataKey());
        if (value == null) {
            throw new IllegalArgumentException("task " + taskId + " has no text value '" + target.dataKey() + "'");
        }
        Vocabulary vocabulary = manifests.vocabularyFor(project);
        Map<String, Integer> labelValues = new HashMap<>();
        for (LabelConfig.LabelTag tag : target.control().labels()) {
            labelValues.put(tag.value(), LabelMapping.readBackClass(tag, vocabulary).map(c -> vocabulary.indexOf(c) + 1).orElse(255));
        }
        byte[] bytes = client.image(value, taskId);
        DecodedImage image = decoder.decode(bytes, limits);
        int width = image.image().width();
        int height = image.image().height();
        int[] labels = AnnotationRasterizer.paint(entry.path("result"), target, labelValues, width, height);
        String id = "task-" + taskId;
        boolean labelled = false;
        for (int label : labels) {
            labelled |= label > 0 && label != 255;
        }
        if (!labelled) {
            LOG.info("task {} of project {} has no region of a vocabulary class; it is left out of the dataset", taskId, project);
            manifests.removeSample(project, id);
            return;
        }
        String imageName = "images/" + id + "." + (image.format().equals("jpeg") ? "jpg" : image.format());
        manifests.putSample(project, id, imageName, bytes, LabelMapPng.encode(labels, width, height), taskId,
                entry.path("annotation").asLong());
    }

    private Path root() {
        return root.get();
    }

    private Path spool() {
        return root().resolve(".spool");
    }

    private static boolean isEntry(Path path) {
        String name = path.getFileName().toString();
        return name.endsWith(".json") && !name.startsWith(".") && Files.isRegularFile(path);
    }
}
