package com.fmawsss.batch;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What fixes the outputs of a run: every shard of a run, and every rerun of a shard, must have the
 * same pins, so that all outputs in one folder come from one model, one prompt version, one
 * mask-generation setting and one dataset listing.
 *
 * @param bundleManifestSha256 SHA-256 of the bundle's {@code manifest.json} (which lists the
 *     SHA-256 of every bundle file, so it pins all weights)
 * @param bundleClip CLIP source of the bundle, for people
 * @param bundleSam SAM source of the bundle, for people
 * @param demoBundle whether the random-weight demo bundle ran (outputs are noise)
 * @param precision arithmetic of the heavy modules ({@code fp32}, {@code bf16}); pins written
 *     before it was recorded read as {@code fp32}, the only precision {@code seed-batch} ran then
 * @param promptSha256 SHA-256 of the prompt set in the prompt-set file format (deterministic bytes)
 * @param amgProfile the mask-generation profile name as resolved ({@code demo}, {@code official}...)
 * @param amgSettings every mask-generation setting ({@code AmgSettings.key()})
 * @param outputs files written per image, e.g. {@code [png, rle]}
 * @param dataset the dataset seeded
 */
public record RunPins(
        String bundleManifestSha256,
        String bundleClip,
        String bundleSam,
        boolean demoBundle,
        String precision,
        String promptVersion,
        String promptSha256,
        String amgProfile,
        String amgSettings,
        List<String> outputs,
        DatasetPin dataset) {

    /**
     * @param format {@code voc}, {@code coco} or {@code manifest}
     * @param root the dataset directory or manifest file, absolute
     * @param entries number of samples
     * @param idsSha256 SHA-256 of the sorted sample ids, one per line: pins the listing itself
     */
    public record DatasetPin(String format, String root, String split, int entries, String idsSha256) {}

    public RunPins {
        precision = precision == null ? "fp32" : precision;
        outputs = List.copyOf(outputs);
    }

    /** The fields that differ from another run's pins, as {@code name: theirs -> ours}; empty when equal. */
    List<String> differences(RunPins other) {
        List<String> diff = new ArrayList<>();
        compare(diff, "bundle manifest SHA-256", other.bundleManifestSha256, bundleManifestSha256);
        compare(diff, "demo bundle", other.demoBundle, demoBundle);
        compare(diff, "precision", other.precision, precision);
        compare(diff, "prompt version", other.promptVersion, promptVersion);
        compare(diff, "prompt set SHA-256", other.promptSha256, promptSha256);
        compare(diff, "mask-generation settings", other.amgSettings, amgSettings);
        compare(diff, "outputs", other.outputs, outputs);
        compare(diff, "dataset format", other.dataset.format, dataset.format);
        compare(diff, "dataset root", other.dataset.root, dataset.root);
        compare(diff, "dataset split", other.dataset.split, dataset.split);
        compare(diff, "dataset entries", other.dataset.entries, dataset.entries);
        compare(diff, "dataset ids SHA-256", other.dataset.idsSha256, dataset.idsSha256);
        return diff;
    }

    private static void compare(List<String> diff, String name, Object theirs, Object ours) {
        if (!Objects.equals(theirs, ours)) {
            diff.add(name + ": " + theirs + " -> " + ours);
        }
    }
}
