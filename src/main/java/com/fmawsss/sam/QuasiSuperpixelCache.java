package com.fmawsss.sam;

import com.fmawsss.masks.CocoRleCodec;
import com.fmawsss.io.Sha256;
import com.fmawsss.io.AtomicFiles;
import com.fmawsss.masks.CocoRle;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;

/**
 * Quasi-superpixels depend only on the image, the SAM weights and the generation settings, so
 * they are cached (spec §4): an in-memory tier (Caffeine) bounded by an estimate of its size in bytes, and an
 * optional directory of gzip'd JSON files with compressed COCO RLE, written atomically (temp file
 * + rename) so a crash never leaves a half-written entry.
 */
public final class QuasiSuperpixelCache {

    private static final Logger LOG = LoggerFactory.getLogger(QuasiSuperpixelCache.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final long maxBytes;
    private final Path directory;
    private final Cache<String, Entry> memory;
    private final AtomicLong hits = new AtomicLong();
    private final AtomicLong misses = new AtomicLong();

    private record Entry(List<QuasiSuperpixel> masks, long bytes) {}

    /**
     * @param maxBytes in-memory budget (0 disables the memory tier)
     * @param directory disk tier, or null for memory only
     */
    public QuasiSuperpixelCache(long maxBytes, Path directory) {
        this.maxBytes = maxBytes;
        this.directory = directory;
        // Maintenance on the caller's thread: evictions are done when put returns.
        this.memory = Caffeine.newBuilder()
                .maximumWeight(maxBytes)
                .<String, Entry>weigher((key, entry) -> (int) Math.min(Integer.MAX_VALUE, entry.bytes()))
                .executor(Runnable::run)
                .build();
    }

    /**
     * @param imageSha256 SHA-256 of the image bytes
     * @param samIdentity identity of the SAM weights (e.g. checksums of the bundle's SAM files)
     * @param settings generation settings
     * @return a hex key
     */
    public static String key(String imageSha256, String samIdentity, AmgSettings settings) {
        return Sha256.hex(imageSha256 + "|" + samIdentity + "|" + settings.key());
    }

    /**
     * Looks a key up in memory, then on disk (promoting disk hits to memory).
     *
     * @return the masks if cached
     */
    public Optional<List<QuasiSuperpixel>> get(String key) {
        Entry entry = memory.getIfPresent(key);
        if (entry != null) {
            hits.incrementAndGet();
            return Optional.of(entry.masks());
        }
        Optional<List<QuasiSuperpixel>> stored = readDisk(key);
        if (stored.isPresent()) {
            hits.incrementAndGet();
            remember(key, stored.get());
        } else {
            misses.incrementAndGet();
        }
        return stored;
    }

    /** Whether a lookup would hit, without counting it as one (for cost estimates). */
    public boolean contains(String key) {
        if (memory.asMap().containsKey(key)) {
            return true;
        }
        return directory != null && Files.isRegularFile(file(key));
    }

    /** Stores masks in memory and, when configured, on disk. */
    public void put(String key, List<QuasiSuperpixel> masks) {
        List<QuasiSuperpixel> copy = List.copyOf(masks);
        remember(key, copy);
        writeDisk(key, copy);
    }

    /** Returns the number of lookups answered from the cache. */
    public long hits() {
        return hits.get();
    }

    /** Returns the number of lookups that missed both tiers. */
    public long misses() {
        return misses.get();
    }

    /** Returns the estimated size of the memory tier. */
    public long bytes() {
        return memory.policy().eviction().orElseThrow().weightedSize().orElse(0);
    }

    private void remember(String key, List<QuasiSuperpixel> masks) {
        long size = 64;
        for (QuasiSuperpixel q : masks) {
            size += 48 + 4L * q.mask().counts().length;
        }
        if (size <= maxBytes) {
            memory.put(key, new Entry(masks, size));
        }
    }

    private Path file(String key) {
        return directory.resolve(key.substring(0, 2)).resolve(key + ".json.gz");
    }

    private Optional<List<QuasiSuperpixel>> readDisk(String key) {
        if (directory == null || !Files.isRegularFile(file(key))) {
            return Optional.empty();
        }
        try (InputStream in = new GZIPInputStream(Files.newInputStream(file(key)))) {
            JsonNode root = JSON.readTree(in);
            List<QuasiSuperpixel> masks = new ArrayList<>();
            for (JsonNode m : root.path("masks")) {
                JsonNode size = m.path("rle").path("size");
                masks.add(new QuasiSuperpixel(
                        CocoRleCodec.decompress(m.path("rle").path("counts").asString(), size.get(0).asInt(), size.get(1).asInt()),
                        m.path("level").asInt(), (float) m.path("predictedIou").asDouble(), (float) m.path("stability").asDouble()));
            }
            return Optional.of(masks);
        } catch (IOException | RuntimeException e) {
            // A damaged entry is a miss; it is rewritten after recomputation.
            LOG.warn("ignoring unreadable superpixel cache entry {}: {}", file(key), e.getMessage());
            return Optional.empty();
        }
    }

    private void writeDisk(String key, List<QuasiSuperpixel> masks) {
        if (directory == null) {
            return;
        }
        ObjectNode root = JSON.createObjectNode();
        root.put("key", key);
        ArrayNode array = root.putArray("masks");
        for (QuasiSuperpixel q : masks) {
            ObjectNode m = array.addObject();
            ObjectNode rle = m.putObject("rle");
            rle.putArray("size").add(q.mask().height()).add(q.mask().width());
            rle.put("counts", CocoRleCodec.compress(q.mask()));
            m.put("level", q.level()).put("predictedIou", q.predictedIou()).put("stability", q.stability());
        }
        Path target = file(key);
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (OutputStream out = new GZIPOutputStream(bytes)) {
                JSON.writeValue(out, root);
            }
            AtomicFiles.write(target, bytes.toByteArray());
        } catch (IOException e) {
            // The disk tier is an optimisation: a full or read-only disk must not fail requests.
            LOG.warn("cannot write superpixel cache entry {}: {}", target, e.getMessage());
        }
    }

    /** The memory tier's keys, in no particular order (for tests and metrics). */
    public List<String> memoryKeys() {
        return new ArrayList<>(memory.asMap().keySet());
    }
}
