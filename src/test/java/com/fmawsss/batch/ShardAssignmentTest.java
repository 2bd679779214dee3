package com.fmawsss.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fmawsss.datasets.TrainingSample;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ShardAssignmentTest {

    /**
     * Expected shards from an independent implementation (Python {@code hashlib}):
     * {@code int.from_bytes(sha256(id.encode()).digest()[:8], "big") % n}.
     */
    @Test
    void theShardIsTheFirstEightBytesOfTheIdsSha256ModuloTheShardCount() {
        String[] ids = {"2007_000032", "2011_003276", "139", "COCO_val2014_000000000042", "cat-0002", "ünïcode"};
        int[][] expected = {{0, 1, 906}, {1, 0, 327}, {0, 0, 616}, {1, 4, 575}, {0, 3, 612}, {0, 1, 954}};
        int[] shardCounts = {2, 7, 1000};
        for (int i = 0; i < ids.length; i++) {
            for (int k = 0; k < shardCounts.length; k++) {
                assertThat(ShardAssignment.shardOf(ids[i], shardCounts[k])).as("%s of %d", ids[i], shardCounts[k])
                        .isEqualTo(expected[i][k]);
            }
            assertThat(ShardAssignment.shardOf(ids[i], 1)).isZero();
        }
        assertThatThrownBy(() -> ShardAssignment.shardOf("x", 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shardsPartitionTheDatasetWhateverTheListingOrder() {
        List<TrainingSample> samples = new ArrayList<>();
        for (int i = 0; i < 10_582; i++) {
            samples.add(sample(String.format("%d_%06d", 2007 + i % 5, i)));
        }
        java.util.Map<TrainingSample, Integer> position = new java.util.HashMap<>();
        for (int i = 0; i < samples.size(); i++) {
            position.put(samples.get(i), i);
        }
        List<TrainingSample> shuffled = new ArrayList<>(samples);
        Collections.shuffle(shuffled, new Random(7));
        Set<String> union = new HashSet<>();
        int shards = 8;
        for (int index = 0; index < shards; index++) {
            List<TrainingSample> mine = ShardAssignment.select(samples, index, shards);
            Set<String> ids = ids(mine);
            assertThat(ids(ShardAssignment.select(shuffled, index, shards))).isEqualTo(ids);
            for (String id : ids) {
                assertThat(union.add(id)).as("%s in two shards", id).isTrue();
            }
            // Binomial(10582, 1/8): mean 1322.75, sd 34; five sd either way.
            assertThat(mine.size()).isBetween(1150, 1495);
            // Dataset order is kept inside a shard.
            assertThat(mine).isSortedAccordingTo((a, b) -> Integer.compare(position.get(a), position.get(b)));
        }
        assertThat(union).hasSize(samples.size());
    }

    private static TrainingSample sample(String id) {
        return new TrainingSample(id, Path.of(id + ".jpg"), List.of(0), Optional.empty(), "test");
    }

    private static Set<String> ids(List<TrainingSample> samples) {
        Set<String> ids = new HashSet<>();
        samples.forEach(s -> ids.add(s.id()));
        return ids;
    }
}
