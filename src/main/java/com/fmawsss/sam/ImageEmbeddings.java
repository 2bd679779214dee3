package com.fmawsss.sam;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fmawsss.image.RgbImage;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.concurrent.atomic.AtomicLong;

/**
 * SAM image embeddings of whole images, computed once per image and kept: the first click on an
 * image costs one encoder pass, every later click only the decoder, and mask generation reuses the
 * embedding of an image that was clicked (or the other way round). Keyed by the SHA-256 of the
 * image's encoded bytes and the identity of the SAM weights and precision that made the embedding,
 * bounded in bytes (Caffeine); an evicted embedding is computed again. Thread-safe.
 */
public final class ImageEmbeddings {

    /** {@code [1, C, e, e]} float32 values, and where the image sits in the encoder frame. */
    private record Entry(float[] values, long[] shape, SamFrame frame) {}

    /** An embedding on the device, with the frame it was computed in. */
    public record Embedding(NDArray values, SamFrame frame, boolean cached) {}

    private final SamPredictor predictor;
    private final SamPreprocessor preprocessor;
    private final String weights;
    private final Cache<String, Entry> cache;
    private final AtomicLong hits = new AtomicLong();
    private final AtomicLong misses = new AtomicLong();

    /**
     * @param weights identity of the SAM weights and precision (a changed bundle never reads an old entry)
     * @param maxBytes budget of the kept embeddings (0 keeps none)
     */
    public ImageEmbeddings(SamPredictor predictor, SamPreprocessor preprocessor, String weights, long maxBytes) {
        this.predictor = predictor;
        this.preprocessor = preprocessor;
        this.weights = weights;
        this.cache = Caffeine.newBuilder()
                .maximumWeight(maxBytes)
                .<String, Entry>weigher((key, entry) -> entry.values().length * Float.BYTES)
                .executor(Runnable::run)
                .build();
    }

    /**
     * The embedding of a whole image: from the cache, else one encoder pass (whose result is kept).
     *
     * @param imageSha256 SHA-256 of the image's encoded bytes; {@code null} for an image that is not
     *     worth keeping (a synthetic calibration image)
     */
    public Embedding of(NDManager manager, RgbImage image, String imageSha256) {
        Entry entry = imageSha256 == null ? null : cache.getIfPresent(key(imageSha256));
        if (entry != null) {
            hits.incrementAndGet();
            NDArray values = manager.create(entry.values(), new Shape(entry.shape())).toType(predictor.dataType(), false);
            return new Embedding(values, entry.frame(), true);
        }
        SamInput input = preprocessor.prepare(image);
        NDArray values = predictor.encode(manager, input);
        if (imageSha256 != null) {
            misses.incrementAndGet();
            cache.put(key(imageSha256), new Entry(values.toType(DataType.FLOAT32, true).toFloatArray(),
                    values.getShape().getShape(), input.frame()));
        }
        return new Embedding(values, input.frame(), false);
    }

    /** Whether {@link #of} would answer an image from the cache (no encoder pass). */
    public boolean contains(String imageSha256) {
        return imageSha256 != null && cache.getIfPresent(key(imageSha256)) != null;
    }

    public long hits() {
        return hits.get();
    }

    public long misses() {
        return misses.get();
    }

    /** Bytes of the kept embeddings. */
    public long bytes() {
        return cache.policy().eviction().map(e -> e.weightedSize().orElse(0L)).orElse(0L);
    }

    private String key(String imageSha256) {
        return imageSha256 + "|" + weights;
    }
}
