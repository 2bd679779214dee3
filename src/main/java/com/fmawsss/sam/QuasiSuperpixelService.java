package com.fmawsss.sam;

import com.fmawsss.bundle.ModelBundle;
import com.fmawsss.image.RgbImage;
import com.fmawsss.progress.Progress;
import com.fmawsss.sam.QuasiSuperpixel;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The SAM side of the pipeline as the rest of the service sees it: quasi-superpixels of images
 * through their cache, and answers to interactive prompts, both over the kept whole-image
 * embeddings. Thread-safe.
 */
public final class QuasiSuperpixelService {

    private final QuasiSuperpixelGenerator generator;
    private final QuasiSuperpixelCache cache;
    private final SamPredictor predictor;
    private final ImageEmbeddings embeddings;
    private final PromptSegmenter prompts;
    private final String samIdentity;

    public QuasiSuperpixelService(ModelBundle bundle, long memoryBytes, Path cacheDirectory) {
        this(bundle, memoryBytes, cacheDirectory, 0);
    }

    /**
     * @param memoryBytes in-memory budget of the superpixel cache
     * @param cacheDirectory disk directory of the superpixel cache, or null
     * @param embeddingBytes budget of the kept whole-image SAM embeddings
     */
    public QuasiSuperpixelService(ModelBundle bundle, long memoryBytes, Path cacheDirectory, long embeddingBytes) {
        this.predictor = new SamPredictor(bundle);
        StringBuilder identity = new StringBuilder();
        bundle.manifest().files().forEach((path, entry) -> {
            if (path.startsWith("sam/")) {
                identity.append(path).append('=').append(entry.sha256()).append(';');
            }
        });
        // Outputs depend on the arithmetic too: bf16 and fp32 results never share an entry.
        identity.append("precision=").append(bundle.precision().setting());
        this.samIdentity = identity.toString();
        SamPreprocessor preprocessor = new SamPreprocessor(bundle.manifest().sam());
        this.embeddings = new ImageEmbeddings(predictor, preprocessor, samIdentity, embeddingBytes);
        this.generator = new QuasiSuperpixelGenerator(predictor, preprocessor, embeddings);
        this.prompts = new PromptSegmenter(predictor, embeddings, bundle.manifest().sam().maskThreshold());
        this.cache = new QuasiSuperpixelCache(memoryBytes, cacheDirectory);
    }

    public List<QuasiSuperpixel> of(RgbImage image, String imageSha256, AmgSettings settings) {
        return of(image, imageSha256, settings, Progress.NONE);
    }

    /**
     * Returns the quasi-superpixels of an image in generator order, computing them only on a cache
     * miss (keyed by the SHA-256 of the image's encoded bytes, the SAM weights and the settings).
     */
    public List<QuasiSuperpixel> of(RgbImage image, String imageSha256, AmgSettings settings, Progress progress) {
        String key = QuasiSuperpixelCache.key(imageSha256, samIdentity, settings);
        Optional<List<QuasiSuperpixel>> cached = cache.get(key);
        if (cached.isPresent()) {
            return cached.get();
        }
        List<QuasiSuperpixel> masks = generator.generate(image, imageSha256, settings, progress);
        cache.put(key, masks);
        return masks;
    }

    /** Generates without looking at or filling the cache (calibration runs on synthetic images). */
    public List<QuasiSuperpixel> generateUncached(RgbImage image, AmgSettings settings, Progress progress) {
        return generator.generate(image, null, settings, progress);
    }

    /** Whether {@link #of} would answer from the cache: SAM would then cost nothing. */
    public boolean isCached(String imageSha256, AmgSettings settings) {
        return cache.contains(QuasiSuperpixelCache.key(imageSha256, samIdentity, settings));
    }

    /** Returns the cache (for metrics). */
    public QuasiSuperpixelCache cache() {
        return cache;
    }

    /** The cached superpixels of an image, if any (no generation). */
    public Optional<List<QuasiSuperpixel>> cached(String imageSha256, AmgSettings settings) {
        return cache.get(QuasiSuperpixelCache.key(imageSha256, samIdentity, settings));
    }

    /** SAM's answers to interactive prompts, over the same kept embeddings. */
    public PromptSegmenter prompts() {
        return prompts;
    }

    /** The kept whole-image embeddings, shared by mask generation and clicks. */
    public ImageEmbeddings embeddings() {
        return embeddings;
    }

    /** Returns the SAM predictor (for metrics: encoder runs). */
    public SamPredictor predictor() {
        return predictor;
    }
}
