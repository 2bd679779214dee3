package com.fmawsss.metrics;

import com.fmawsss.sam.ImageEmbeddings;
import com.fmawsss.sam.QuasiSuperpixelCache;
import com.fmawsss.sam.QuasiSuperpixelService;
import com.fmawsss.sam.SamPredictor;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * Meters of the quasi-superpixel cache, the kept SAM embeddings and the SAM encoder. They read the counters the cache and
 * the predictor keep anyway, so the meters and those getters never disagree.
 */
public final class SuperpixelMetrics implements MeterBinder {

    /** Lookups answered from memory or disk (Prometheus: {@code fma_superpixel_cache_hits_total}). */
    public static final String HITS = "fma.superpixel.cache.hits";
    /** Lookups that missed both tiers (Prometheus: {@code fma_superpixel_cache_misses_total}). */
    public static final String MISSES = "fma.superpixel.cache.misses";
    /** Estimated size of the memory tier (Prometheus: {@code fma_superpixel_cache_bytes}). */
    public static final String BYTES = "fma.superpixel.cache";
    /** SAM image-encoder runs (Prometheus: {@code fma_sam_encoder_runs_total}). */
    public static final String ENCODER_RUNS = "fma.sam.encoder.runs";
    /** Whole-image embeddings answered from the kept ones (Prometheus: {@code fma_sam_embedding_cache_hits_total}). */
    public static final String EMBEDDING_HITS = "fma.sam.embedding.cache.hits";
    /** Whole-image embeddings computed (Prometheus: {@code fma_sam_embedding_cache_misses_total}). */
    public static final String EMBEDDING_MISSES = "fma.sam.embedding.cache.misses";
    /** Bytes of the kept embeddings (Prometheus: {@code fma_sam_embedding_cache_bytes}). */
    public static final String EMBEDDING_BYTES = "fma.sam.embedding.cache";

    private final QuasiSuperpixelCache cache;
    private final SamPredictor predictor;
    private final ImageEmbeddings embeddings;

    /**
     * Creates the binder.
     *
     * @param superpixels the quasi-superpixel service whose cache and predictor are observed
     */
    public SuperpixelMetrics(QuasiSuperpixelService superpixels) {
        this.cache = superpixels.cache();
        this.predictor = superpixels.predictor();
        this.embeddings = superpixels.embeddings();
    }

    /** {@inheritDoc} */
    @Override
    public void bindTo(MeterRegistry registry) {
        FunctionCounter.builder(HITS, cache, QuasiSuperpixelCache::hits)
                .description("Quasi-superpixel lookups answered from the memory or disk cache")
                .register(registry);
        FunctionCounter.builder(MISSES, cache, QuasiSuperpixelCache::misses)
                .description("Quasi-superpixel lookups that missed both cache tiers (SAM ran)")
                .register(registry);
        Gauge.builder(BYTES, cache, QuasiSuperpixelCache::bytes)
                .description("Estimated size of the in-memory quasi-superpixel cache")
                .baseUnit("bytes")
                .strongReference(true)
                .register(registry);
        FunctionCounter.builder(ENCODER_RUNS, predictor, SamPredictor::encoderRuns)
                .description("Runs of the SAM image encoder (one per crop of each cache miss)")
                .register(registry);
        FunctionCounter.builder(EMBEDDING_HITS, embeddings, ImageEmbeddings::hits)
                .description("Whole-image SAM embeddings taken from the kept ones (clicks, mask generation)")
                .register(registry);
        FunctionCounter.builder(EMBEDDING_MISSES, embeddings, ImageEmbeddings::misses)
                .description("Whole-image SAM embeddings computed (an encoder pass) and kept")
                .register(registry);
        Gauge.builder(EMBEDDING_BYTES, embeddings, ImageEmbeddings::bytes)
                .description("Bytes of the kept whole-image SAM embeddings")
                .baseUnit("bytes")
                .strongReference(true)
                .register(registry);
    }
}
