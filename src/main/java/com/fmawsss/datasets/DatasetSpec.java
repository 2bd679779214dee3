package com.fmawsss.datasets;

import com.fmawsss.prompts.Vocabulary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The {@code dataset} object of a training or seed job request: {@code {"format", "root", "split"}}.
 *
 * <p>For {@code manifest}, {@code root} is either the {@code .jsonl} file itself or a directory
 * holding {@code <split>.jsonl}. Confining {@code root} to the configured data roots is the job
 * layer's task; this record only opens what it is given.
 *
 * @param format the layout
 * @param root the dataset directory (or manifest file)
 * @param split the split ({@code train_aug}, {@code train2014}, manifest name); may be null for a
 *     manifest file
 * @param vocabulary the classes; null means the format's default (VOC for voc and manifest, COCO
 *     for coco)
 */
public record DatasetSpec(DatasetFormat format, Path root, String split, Vocabulary vocabulary) {

    /** Rejects a missing format or root. */
    public DatasetSpec {
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(root, "root");
    }

    /**
     * A spec with the format's default vocabulary.
     *
     * @param format the layout
     * @param root the dataset directory (or manifest file)
     */
    public DatasetSpec(DatasetFormat format, Path root, String split) {
        this(format, root, split, null);
    }

    /**
     * Opens the dataset. Never throws for bad content; see {@link Dataset#problems()} and
     * {@link DatasetValidator}.
     *
     * @return the dataset
     */
    public Dataset open() {
        return switch (format) {
            case VOC -> VocDataset.open(root, split, vocabulary != null ? vocabulary : Vocabulary.voc());
            case COCO -> CocoDataset.open(root, split, vocabulary != null ? vocabulary : Vocabulary.coco());
            case MANIFEST -> ManifestDataset.open(manifestFile(), vocabulary != null ? vocabulary : Vocabulary.voc());
        };
    }

    private Path manifestFile() {
        if (Files.isDirectory(root) && split != null && !split.isBlank()) {
            return DatasetPaths.resolve(root, split + ".jsonl").orElse(root.resolve("invalid-split.jsonl"));
        }
        return root;
    }
}
