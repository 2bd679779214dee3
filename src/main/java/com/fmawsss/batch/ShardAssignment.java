package com.fmawsss.batch;

import com.fmawsss.io.Sha256;
import com.fmawsss.datasets.TrainingSample;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Which shard seeds which image: the first 8 bytes of SHA-256(UTF-8 id), read as an unsigned
 * big-endian number, modulo the shard count. The shard of an image depends on its id and the shard
 * count only, never on the listing order or on the other entries, so every process computes the
 * same split without talking to the others, and an edited list moves no image between shards.
 */
public final class ShardAssignment {

    private ShardAssignment() {}

    /** The shard of an image id, in {@code [0, shards)}. */
    public static int shardOf(String id, int shards) {
        if (shards < 1) {
            throw new IllegalArgumentException("shards must be >= 1");
        }
        byte[] digest = Sha256.newDigest().digest(id.getBytes(StandardCharsets.UTF_8));
        long high = ByteBuffer.wrap(digest, 0, Long.BYTES).getLong();
        return (int) Long.remainderUnsigned(high, shards);
    }

    /** The samples of one shard, in dataset order. */
    public static List<TrainingSample> select(List<TrainingSample> samples, int index, int shards) {
        return samples.stream().filter(s -> shardOf(s.id(), shards) == index).toList();
    }
}
