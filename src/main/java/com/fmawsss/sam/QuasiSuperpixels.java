package com.fmawsss.sam;

import com.fmawsss.bundle.ModelBundle;
import com.fmawsss.image.RgbImage;
import com.fmawsss.ops.metrics.StageTimings;
import com.fmawsss.seeding.QuasiSuperpixel;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Quasi-superpixels of images through the cache: the SAM side of the pipeline as the rest of the
 * service sees it. Thread-safe.
 */
public final class QuasiSuperpixels {

    private final QuasiSuperpixelGenerator generator;
    private final QuasiSuperpixelCache cache;
    private final SamPredictor predictor;
    private final String samIdentity;

    /**
     * Creates the service over a bundle.
     *
     * @param bundle the loaded bundle
     * @param memoryBytes in-memory cache budget
     * @param cacheDirectory disk cache directory, or null
     */
    public QuasiSuperpixels(ModelBundle bundle, long memoryBytes, Path cacheDirectory) {
        this(bundle, memoryBytes, cacheDirectory, StageTimings.NONE);
    }

    /**
     * Creates the service over a bundle, reporting SAM stage durations.
     *
     * @param bundle the loaded bundle
     * @param memoryBytes in-memory cache budget
     * @param cacheDirectory disk cache directory, or null
     * @param timings receives the sam_encode and sam_decode durations
     */
    public QuasiSuperpixels(ModelBundle bundle, long memoryBytes, Path cacheDirectory, StageTimings timings) {
        this.predictor = new SamPredictor(bundle);
        this.generator = new QuasiSuperpixelGenerator(predictor, new SamPreprocessor(bundle.manifest().sam()), timings);
        this.cache = new QuasiSuperpixelCache(memoryBytes, cacheDirectory);
        StringBuilder identity = new StringBuilder();
        bundle.manifest().files().forEach((path, entry) -> {
            if (path.startsWith("sam/")) {
                identity.append(path).append('=').append(entry.sha256()).append(';');
            }
        });
        this.samIdentity = identity.toString();
    }

    /**
     * Returns the quasi-superpixels of an image, computing them only on a cache miss.
     *
     * @param image the decoded image
     * @param imageSha256 SHA-256 of the image's encoded bytes (the cache key)
     * @param settings generation settings
     * @return masks in generator order
     */
    public List<QuasiSuperpixel> of(RgbImage image, String imageSha256, AmgSettings settings) {
        String key = QuasiSuperpixelCache.key(imageSha256, samIdentity, settings);
        Optional<List<QuasiSuperpixel>> cached = cache.get(key);
        if (cached.isPresent()) {
            return cached.get();
        }
        List<QuasiSuperpixel> masks = generator.generate(image, settings);
        cache.put(key, masks);
        return masks;
    }

    /**
     * Returns the cache (for metrics).
     *
     * @return the cache
     */
    public QuasiSuperpixelCache cache() {
        return cache;
    }

    /**
     * Returns the SAM predictor (for metrics: encoder runs).
     *
     * @return the predictor
     */
    public SamPredictor predictor() {
        return predictor;
    }
}
