package com.fmawsss.pipeline;

import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Mask generation and the quasi-superpixel cache ({@code fma.sam.*}).
 *
 * @param profile default mask-generation profile; {@code auto}: {@code demo} for the demo bundle,
 *     {@code official} on a GPU, {@code fast} on a CPU
 * @param override field overrides of every profile, e.g. {@code points-per-batch: 64} (names of
 *     {@link com.fmawsss.sam.AmgSettings}, camel or kebab case; per-level values comma-separated)
 * @param cacheBytes in-memory cache budget of quasi-superpixels (bytes)
 * @param diskCache whether quasi-superpixels are also kept under {@code <state>/superpixels}
 * @param embeddingCacheBytes budget of the kept whole-image SAM embeddings (4 MiB each for SAM
 *     ViT-B/L/H: the default keeps 64 images; clicks and mask generation share them)
 * @param seenImageBytes budget of the decoded images remembered by SHA-256, so that a click can
 *     name an image sent before instead of uploading it again (RGB bytes: 3 per pixel)
 */
@ConfigurationProperties("fma.sam")
public record SamProperties(
        @DefaultValue("auto") String profile,
        Map<String, String> override,
        @DefaultValue("268435456") long cacheBytes,
        @DefaultValue("true") boolean diskCache,
        @DefaultValue("268435456") long embeddingCacheBytes,
        @DefaultValue("268435456") long seenImageBytes) {

    public SamProperties {
        override = override == null ? Map.of() : Map.copyOf(override);
        if (seenImageBytes < 0) {
            throw new IllegalArgumentException("fma.sam.seen-image-bytes must be >= 0: " + seenImageBytes);
        }
        if (embeddingCacheBytes < 0) {
            throw new IllegalArgumentException("fma.sam.embedding-cache-bytes must be >= 0: " + embeddingCacheBytes);
        }
        if (cacheBytes < 0) {
            throw new IllegalArgumentException("fma.sam.cache-bytes must be >= 0: " + cacheBytes);
        }
    }
}
