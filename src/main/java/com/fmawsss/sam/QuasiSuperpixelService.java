package com.fmawsss.sam;

import com.fmawsss.bundle.ModelBundle;
import com.fmawsss.image.RgbImage;
import com.fmawsss.progress.Progress;
import com.fmawsss.sam.QuasiSuperpixel;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Quasi-superpixels of images through the cache: the SAM side of the pipeline as the rest of the
 * service sees it. Thread-safe.
 */
public final class QuasiSuperpixelService {

    private final QuasiSuperpixelGenerator generator;
    private final QuasiSuperpixelCache cache;
    private final SamPredictor predictor;
    private final String samIdentity;

    /**
     * @param memoryBytes in-memory cache budget
     * @param cacheDirectory disk cache directory, or null
     */
    public QuasiSuperpixelService(ModelBundle bundle, long memoryBytes, Path cacheDirectory) {
        this.predictor = new SamPredictor(bundle);
        this.generator = new QuasiSuperpixelGenerator(predictor, new SamPreprocessor(bundle.manifest().sam()));
        this.cache = new QuasiSuperpixelCache(memoryBytes, cacheDirectory);
        StringBuilder identity = new StringBuilder();
        bundle.manifest().files().forEach((path, entry) -> {
            if (path.startsWith("sam/")) {
                identity.append(path).append('=').append(entry.sha256()).append(';');
            }
        });
        this.samIdentity = identity.toString();
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
        List<QuasiSuperpixel> masks = generator.generate(image, settings, progress);
        cache.put(key, masks);
        return masks;
    }

    /** Generates without looking at or filling the cache (calibration runs on synthetic images). */
    public List<QuasiSuperpixel> generateUncached(RgbImage image, AmgSettings settings, Progress progress) {
        return generator.generate(image, settings, progress);
    }

    /** Whether {@link #of} would answer from the cache: SAM would then cost nothing. */
    public boolean isCached(String imageSha256, AmgSettings settings) {
        return cache.contains(QuasiSuperpixelCache.key(imageSha256, samIdentity, settings));
    }

    /** Returns the cache (for metrics). */
    public QuasiSuperpixelCache cache() {
        return cache;
    }

    /** Returns the SAM predictor (for metrics: encoder runs). */
    public SamPredictor predictor() {
        return predictor;
    }
}
