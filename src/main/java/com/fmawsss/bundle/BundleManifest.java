package com.fmawsss.bundle;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code manifest.json} of a model bundle, format version 1 (docs/bundle-format.md). Unknown
 * fields are ignored so that exporters may add information without breaking older services.
 *
 * @param formatVersion bundle format version; this service reads {@link #FORMAT_VERSION}
 * @param createdAt export time (ISO-8601), informational
 * @param tiny true for random-weight bundles built with {@code --tiny}
 * @param dtype {@code float32} or {@code float16}
 * @param exporter versions used by the exporter
 * @param clip CLIP source and constants
 * @param sam SAM source and constants
 * @param files every file of the bundle except {@code manifest.json}, by relative path
 * @param computeVariants optional: per compute dtype ({@code bfloat16}), module path to the file of
 *     the same module computing in that dtype behind the same signature; empty when absent
 */
public record BundleManifest(
        int formatVersion,
        String createdAt,
        boolean tiny,
        String dtype,
        Exporter exporter,
        Clip clip,
        Sam sam,
        Map<String, FileEntry> files,
        Map<String, Map<String, String>> computeVariants) {

    /** The only format version this service reads. */
    public static final int FORMAT_VERSION = 1;

    /** File name of the manifest inside a bundle directory. */
    public static final String FILE_NAME = "manifest.json";

    /** Sorts and freezes the file table, so verification order is deterministic. */
    public BundleManifest {
        files = files == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(files));
        computeVariants = computeVariants == null ? Map.of() : copyVariants(computeVariants);
    }

    /**
     * Versions of the tools that wrote the bundle.
     *
     * @param torch PyTorch version
     * @param transformers Hugging Face transformers version
     * @param seed seed of the random weights (tiny bundles)
     */
    private static Map<String, Map<String, String>> copyVariants(Map<String, Map<String, String>> variants) {
        Map<String, Map<String, String>> copy = new TreeMap<>();
        variants.forEach((dtype, files) -> copy.put(dtype, files == null ? Map.of() : Map.copyOf(files)));
        return Collections.unmodifiableMap(copy);
    }

    public record Exporter(String torch, String transformers, Long seed) {}

    /**
     * CLIP source model and the constants the service needs.
     *
     * @param source Hugging Face id or directory the weights came from
     * @param revision source commit, or null
     * @param patchSize ViT patch size in pixels
     * @param imageSize pre-training image size (position-embedding grid = imageSize/patchSize)
     * @param visionLayers number of vision transformer blocks
     * @param visionHeads number of vision attention heads
     * @param textWidth text width Dt
     * @param textLayers number of text transformer blocks
     * @param textHeads number of text attention heads
     * @param embedDim joint embedding dimension E
     * @param contextLength text context length (77)
     * @param vocabSize tokenizer vocabulary size
     * @param sotTokenId start-of-text token id
     * @param eotTokenId end-of-text token id
     * @param logitScale exp(logit_scale) of the model
     * @param imageMean per-channel mean on 0..1 RGB values
     * @param imageStd per-channel std on 0..1 RGB values
     */
    public record Clip(
            String source,
            String revision,
            int patchSize,
            int imageSize,
            int visionWidth,
            int visionLayers,
            int visionHeads,
            int textWidth,
            int textLayers,
            int textHeads,
            int embedDim,
            int contextLength,
            int vocabSize,
            int sotTokenId,
            int eotTokenId,
            double logitScale,
            List<Double> imageMean,
            List<Double> imageStd) {

        /** Freezes the lists. */
        public Clip {
            imageMean = imageMean == null ? List.of() : List.copyOf(imageMean);
            imageStd = imageStd == null ? List.of() : List.copyOf(imageStd);
        }
    }

    /**
     * SAM source model and the constants the service needs.
     *
     * @param source Hugging Face id or directory the weights came from
     * @param revision source commit, or null
     * @param inputSize S, the padded square input size (1024)
     * @param embeddingChannels C of the image embedding
     * @param embeddingSize e = S/16
     * @param lowResMaskSize 4e, side of the decoder's mask logits
     * @param maskThreshold logit threshold that binarises masks
     * @param pixelMean per-channel mean on 0..255 values
     * @param pixelStd per-channel std on 0..255 values
     */
    public record Sam(
            String source,
            String revision,
            int inputSize,
            int embeddingChannels,
            int embeddingSize,
            int lowResMaskSize,
            double maskThreshold,
            List<Double> pixelMean,
            List<Double> pixelStd) {

        /** Freezes the lists. */
        public Sam {
            pixelMean = pixelMean == null ? List.of() : List.copyOf(pixelMean);
            pixelStd = pixelStd == null ? List.of() : List.copyOf(pixelStd);
        }
    }

    /**
     * Checksum and size of one bundle file.
     *
     * @param sha256 lower-case hex SHA-256 of the content
     * @param bytes size in bytes
     */
    public record FileEntry(String sha256, long bytes) {}
}
