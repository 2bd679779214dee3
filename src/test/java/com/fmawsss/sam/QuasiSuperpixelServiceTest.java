package com.fmawsss.sam;

import static org.assertj.core.api.Assertions.assertThat;

import com.fmawsss.DemoBundleFixture;
import com.fmawsss.cam.SyntheticImages;
import com.fmawsss.image.RgbImage;
import com.fmawsss.sam.QuasiSuperpixel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generator on the demo bundle's random SAM, and the cache in front of it. */
class QuasiSuperpixelServiceTest {

    /** Random weights give low IoU predictions; relaxed thresholds keep enough masks to test with. */
    static final AmgSettings RELAXED = AmgSettings.defaults().withPointsPerSide(8).withThresholds(0.0, 0.0);

    /** Nothing suppressed or filtered: every decoded mask reaches the output (for pixel comparisons). */
    static final AmgSettings PERMISSIVE = new AmgSettings(4, 256, 0.0, new double[] {0, 0, 0.1}, 0.0, 1.0, 1.0,
            new double[] {0, 0, 1}, 1, 1.0, 512.0 / 1500.0, 2, 100, 1.01, 0.0);

    @Test
    void generatedMasksObeyTheFmaRules() {
        RgbImage image = SyntheticImages.discs(128, 96, 21);
        QuasiSuperpixelService service = new QuasiSuperpixelService(DemoBundleFixture.bundle(), 64 << 20, null);
        List<QuasiSuperpixel> all = service.of(image, "img-21", PERMISSIVE);
        List<QuasiSuperpixel> masks = service.of(image, "img-21", PERMISSIVE.withThresholds(0.0, 0.0)
                .withOverlapFilter(0.3));
        System.out.printf("permissive: %d masks, with the overlap filter: %d%n", all.size(), masks.size());
        assertThat(all.size()).isGreaterThan(masks.size());
        assertThat(masks.stream().map(QuasiSuperpixel::level)).contains(2);
        int previousLevel = 2;
        for (int i = 0; i < masks.size(); i++) {
            QuasiSuperpixel m = masks.get(i);
            assertThat(m.mask().height()).isEqualTo(96);
            assertThat(m.mask().width()).isEqualTo(128);
            assertThat(m.level()).isBetween(0, 2).isLessThanOrEqualTo(previousLevel);
            previousLevel = m.level();
            for (int k = 0; k < i; k++) {
                QuasiSuperpixel kept = masks.get(k);
                if (kept.level() > m.level() && m.mask().area() > 0) {
                    assertThat((double) m.mask().intersectionArea(kept.mask()) / m.mask().area()).isLessThan(0.3);
                }
            }
        }
    }

    @Test
    void secondRequestForTheSameImageDoesNotRunSam(@TempDir Path dir) throws IOException {
        RgbImage image = SyntheticImages.discs(96, 64, 22);
        QuasiSuperpixelService service = new QuasiSuperpixelService(DemoBundleFixture.bundle(), 64 << 20, dir);
        long before = service.predictor().encoderRuns();
        List<QuasiSuperpixel> first = service.of(image, "sha-22", RELAXED);
        long afterFirst = service.predictor().encoderRuns();
        assertThat(afterFirst - before).isEqualTo(5); // the full image and its 2x2 crops
        List<QuasiSuperpixel> second = service.of(image, "sha-22", RELAXED);
        assertThat(service.predictor().encoderRuns()).isEqualTo(afterFirst);
        assertThat(second).isEqualTo(first);
        assertThat(service.cache().hits()).isEqualTo(1);
        // The point batch size does not change results, so it is not part of the key ...
        assertThat(service.of(image, "sha-22", RELAXED.withPointsPerBatch(7))).isEqualTo(first);
        assertThat(service.predictor().encoderRuns()).isEqualTo(afterFirst);
        // ... but any setting that does is another entry.
        service.of(image, "sha-22", RELAXED.withPointsPerSide(4));
        assertThat(service.predictor().encoderRuns()).isEqualTo(afterFirst + 5);
        // A fresh service (restart) finds the entry on disk; no temp files are left behind.
        QuasiSuperpixelService restarted = new QuasiSuperpixelService(DemoBundleFixture.bundle(), 64 << 20, dir);
        assertThat(restarted.of(image, "sha-22", RELAXED)).isEqualTo(first);
        assertThat(restarted.predictor().encoderRuns()).isZero();
        try (Stream<Path> files = Files.walk(dir)) {
            assertThat(files.filter(Files::isRegularFile).map(Path::toString))
                    .allMatch(name -> name.endsWith(".json.gz"))
                    .hasSize(2);
        }
    }

    @Test
    void theMemoryBudgetHoldsAndKeepsTheNewestEntries() {
        QuasiSuperpixel q = new QuasiSuperpixel(com.fmawsss.masks.CocoRle.encode(new boolean[4], 2, 2), 2, 0.9f, 0.95f);
        long entry = 64 + 48 + 4; // the cache's own size estimate of one single-mask entry
        QuasiSuperpixelCache cache = new QuasiSuperpixelCache(200 * entry, null);

        for (int i = 0; i < 600; i++) {
            cache.put("k" + i, List.of(q));
        }

        assertThat(cache.bytes()).isLessThanOrEqualTo(200 * entry);
        assertThat(cache.memoryKeys()).hasSizeLessThanOrEqualTo(200).contains("k599");
        // Entries past the budget are gone from memory (a disk tier would still answer them).
        assertThat(cache.memoryKeys()).hasSizeGreaterThan(100).doesNotContain("k0");
    }
}
