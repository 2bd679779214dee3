package com.fmawsss.datasets;

import com.fmawsss.image.DecodedImage;
import com.fmawsss.image.ImageDecodeException;
import com.fmawsss.image.ImageDecoder;
import com.fmawsss.image.ImageLimits;
import com.fmawsss.image.LabelMap;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Checks a dataset before a job starts and reports everything wrong at once: the problems found
 * while opening it, then per sample a missing image, a missing mask, an empty label set and a
 * duplicate id. Only existence is checked for every file, so validating VOC {@code train_aug}
 * takes well under a second; optionally a few evenly spaced samples are fully decoded (image and
 * ground truth, sizes compared).
 */
public final class DatasetValidator {

    private DatasetValidator() {}

    /**
     * Validates without decoding images.
     *
     * @return the report
     */
    public static ValidationReport validate(Dataset dataset) {
        return validate(dataset, 0);
    }

    /**
     * Validates and decodes up to {@code decodeSamples} evenly spaced samples.
     *
     * @param decodeSamples how many samples to decode fully (0 = none)
     * @return the report
     */
    public static ValidationReport validate(Dataset dataset, int decodeSamples) {
        List<DatasetProblem> problems = new ArrayList<>(dataset.problems());
        List<TrainingSample> samples = dataset.samples();
        if (samples.isEmpty()) {
            problems.add(new DatasetProblem(DatasetProblem.Kind.EMPTY_DATASET, dataset.name(), "no samples"));
        }
        Set<String> ids = new HashSet<>();
        for (TrainingSample sample : samples) {
            String where = sample.id() + " (" + sample.source() + ")";
            if (!ids.add(sample.id())) {
                problems.add(new DatasetProblem(DatasetProblem.Kind.DUPLICATE_ID, where, "id used by an earlier sample"));
            }
            if (!Files.isRegularFile(sample.image())) {
                problems.add(new DatasetProblem(DatasetProblem.Kind.MISSING_IMAGE, where, "no file " + sample.image()));
            }
            if (sample.mask().isPresent() && !Files.isRegularFile(sample.mask().get())) {
                problems.add(new DatasetProblem(DatasetProblem.Kind.MISSING_MASK, where, "no file " + sample.mask().get()));
            }
            if (sample.labels().isEmpty()) {
                problems.add(new DatasetProblem(DatasetProblem.Kind.EMPTY_LABELS, where, "no foreground class"));
            }
        }
        int decode = Math.min(Math.max(decodeSamples, 0), samples.size());
        ImageDecoder decoder = decode > 0 ? new ImageDecoder() : null;
        for (int i = 0; i < decode; i++) {
            // Evenly spaced, so a broken second half of a list is noticed too.
            TrainingSample sample = samples.get((int) ((long) i * samples.size() / decode));
            decodeSample(dataset, sample, decoder, problems);
        }
        return new ValidationReport(dataset.name(), samples.size(), problems);
    }

    private static void decodeSample(Dataset dataset, TrainingSample sample, ImageDecoder decoder,
            List<DatasetProblem> problems) {
        String where = sample.id() + " (" + sample.source() + ")";
        if (!Files.isRegularFile(sample.image())) {
            return; // already reported
        }
        DecodedImage image;
        try {
            image = decoder.decode(Files.readAllBytes(sample.image()), ImageLimits.defaults());
        } catch (IOException | ImageDecodeException e) {
            problems.add(new DatasetProblem(DatasetProblem.Kind.UNREADABLE_IMAGE, where, e.getMessage()));
            return;
        }
        if (sample.mask().isPresent() && !Files.isRegularFile(sample.mask().get())) {
            return; // already reported
        }
        Optional<LabelMap> truth;
        try {
            truth = dataset.groundTruth(sample);
        } catch (DatasetException e) {
            problems.add(new DatasetProblem(DatasetProblem.Kind.UNREADABLE_MASK, where, e.getMessage()));
            return;
        }
        if (truth.isPresent() && (truth.get().width() != image.image().width()
                || truth.get().height() != image.image().height())) {
            problems.add(new DatasetProblem(DatasetProblem.Kind.SIZE_MISMATCH, where,
                    "image is " + image.image().width() + "x" + image.image().height() + ", ground truth "
                            + truth.get().width() + "x" + truth.get().height()));
        }
    }
}
