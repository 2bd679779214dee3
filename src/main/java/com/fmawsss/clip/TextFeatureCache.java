package com.fmawsss.clip;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Text features of prompts already encoded, so that a request only runs the text transformer for
 * prompts it has not seen. CLIP-ES computes its text classifier once at start-up for the same
 * reason: with the 25 background prompts every request needs at least 26 of them, and encoding 26
 * x 77 tokens costs about as much as the image side.
 *
 * <p>A feature depends only on the prompt text and, for learned prompts, on the context tensor it
 * splices in. Context tensors of a prompt version are immutable and compared by identity, so a new
 * version (or a prompt set being trained) never hits features of another. Bounded LRU; thread-safe.
 */
public final class TextFeatureCache {

    public static final int DEFAULT_CAPACITY = 4096;

    private final int capacity;
    private final Cache<Key, float[]> rows;
    private final AtomicLong hits = new AtomicLong();
    private final AtomicLong misses = new AtomicLong();

    /** @param capacity most prompts kept (0 keeps none) */
    public TextFeatureCache(int capacity) {
        if (capacity < 0) {
            throw new IllegalArgumentException("capacity must be >= 0");
        }
        this.capacity = capacity;
        this.rows = Caffeine.newBuilder().maximumSize(capacity).build();
    }

    /** The cached feature row, or {@code null}. */
    public float[] get(Key key) {
        float[] row = rows.getIfPresent(key);
        (row == null ? misses : hits).incrementAndGet();
        return row;
    }

    public void put(Key key, float[] row) {
        if (capacity > 0) {
            rows.put(key, row);
        }
    }

    public long hits() {
        return hits.get();
    }

    public long misses() {
        return misses.get();
    }

    public static final class Key {

        private final long[] tokenIds;
        private final Object context;
        private final int index;

        /**
         * @param tokenIds the prompt's token ids (not copied; not modified afterwards)
         * @param context the learned context tensor instance, or null for manual prompts
         * @param index slice of the context tensor, or -1
         */
        public Key(long[] tokenIds, Object context, int index) {
            this.tokenIds = tokenIds;
            this.context = context;
            this.index = index;
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Key k && k.context == context && k.index == index && Arrays.equals(k.tokenIds, tokenIds);
        }

        @Override
        public int hashCode() {
            return 31 * (31 * Arrays.hashCode(tokenIds) + System.identityHashCode(context)) + index;
        }
    }
}
