package com.fmawsss.batch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fmawsss.image.ImageDecoder;
import com.fmawsss.reliability.Fixtures;
import com.fmawsss.datasets.DatasetFormat;
import com.fmawsss.datasets.DatasetSpec;
import com.fmawsss.datasets.TrainingSample;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImagePrefetcherTest {

    @Test
    void decodesInOrderAheadOrInLineWithTheSameResultsAndFailuresInsteadOfExceptions(@TempDir Path dir) throws Exception {
        Path voc = dir.resolve("VOC2012");
        Fixtures.writeVoc(voc, 6, 30);
        Files.write(voc.resolve("JPEGImages/img2.jpg"), new byte[] {1, 2, 3});
        Files.delete(voc.resolve("JPEGImages/img4.jpg"));
        List<TrainingSample> samples = new ArrayList<>(new DatasetSpec(DatasetFormat.VOC, voc, "train").open().samples());
        samples.add(new TrainingSample("../escape", voc.resolve("JPEGImages/img0.jpg"), List.of(7), Optional.empty(), "manifest:7"));

        List<String> inLine = drain(samples, 0);
        assertThat(inLine).containsExactly("img0 64x48", "img1 64x48", "img2 undecodable image", "img3 64x48",
                "img4 missing image", "img5 64x48", "../escape id cannot name an output file");
        for (int depth : new int[] {1, 3, 16}) {
            assertThat(drain(samples, depth)).as("depth %d", depth).isEqualTo(inLine);
        }
    }

    @Test
    void closingBeforeTheEndStopsTheWorker(@TempDir Path dir) throws Exception {
        Path voc = dir.resolve("VOC2012");
        Fixtures.writeVoc(voc, 5, 40);
        List<TrainingSample> samples = new DatasetSpec(DatasetFormat.VOC, voc, "train").open().samples();
        ImagePrefetcher prefetcher = new ImagePrefetcher(samples, new ImageDecoder(), 1);
        assertThat(prefetcher.next().sample().id()).isEqualTo("img0");
        prefetcher.close(); // joins the worker, which waits on the full queue: must not hang
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals("seed-prefetch") && t.isAlive());
    }

    private static List<String> drain(List<TrainingSample> samples, int depth) throws Exception {
        List<String> seen = new ArrayList<>();
        try (ImagePrefetcher prefetcher = new ImagePrefetcher(samples, new ImageDecoder(), depth)) {
            for (ImagePrefetcher.Decoded d = prefetcher.next(); d != null; d = prefetcher.next()) {
                seen.add(d.sample().id() + " " + (d.failure() == null
                        ? d.image().image().width() + "x" + d.image().image().height()
                        : d.failure().split("[:(]")[0].strip()));
            }
            assertThat(prefetcher.next()).isNull();
        }
        return seen;
    }
}
