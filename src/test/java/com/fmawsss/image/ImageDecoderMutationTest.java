package com.fmawsss.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.awt.image.BufferedImage;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Seeded random mutations of valid files: the decoder must answer every one with an image or an
 * {@link ImageDecodeException}, never another exception, and must not hang (the whole loop runs
 * under a preemptive timeout, so a hang fails the test instead of stalling the build).
 */
class ImageDecoderMutationTest {

    private static final int MUTATIONS_PER_SEED = 500;
    private static final Duration LOOP_TIMEOUT = Duration.ofMinutes(4);

    @Test
    void mutatedFilesOnlyEverDecodeOrRaiseImageDecodeException() {
        List<byte[]> seeds = seeds();
        ImageDecoder decoder = new ImageDecoder();
        // Small limits keep mutated headers from asking for big (legitimate) allocations.
        ImageLimits limits = new ImageLimits(1_000_000, 2, 1_000_000);
        SplittableRandom random = new SplittableRandom(20240611);
        Map<ImageDecodeException.Kind, Integer> refusals = new EnumMap<>(ImageDecodeException.Kind.class);
        List<String> failures = new ArrayList<>();
        int[] decoded = {0};

        long start = System.nanoTime();
        assertTimeoutPreemptively(LOOP_TIMEOUT, () -> {
            for (int s = 0; s < seeds.size(); s++) {
                for (int i = 0; i < MUTATIONS_PER_SEED; i++) {
                    byte[] input = mutate(seeds.get(s), random);
                    try {
                        decoder.decode(input, limits);
                        decoded[0]++;
                    } catch (ImageDecodeException e) {
                        refusals.merge(e.kind(), 1, Integer::sum);
                    } catch (Throwable t) {
                        failures.add("seed " + s + " mutation " + i + ": " + t);
                    }
                }
            }
        }, "the mutation loop did not finish: the decoder hangs on some input");
        double seconds = (System.nanoTime() - start) / 1e9;

        int total = seeds.size() * MUTATIONS_PER_SEED;
        System.out.printf("mutation loop: %d cases in %.1f s; decoded %d, refused %s%n", total, seconds, decoded[0], refusals);
        assertThat(failures).isEmpty();
        assertThat(decoded[0] + refusals.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(total);
        // Both outcomes must actually occur, or the mutations are too weak or too destructive.
        assertThat(decoded[0]).isPositive();
        assertThat(refusals).containsKey(ImageDecodeException.Kind.CORRUPT);
    }

    private static List<byte[]> seeds() {
        BufferedImage photo = new BufferedImage(40, 24, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 24; y++) {
            for (int x = 0; x < 40; x++) {
                photo.setRGB(x, y, (x * 6) << 16 | (y * 10) << 8 | ((x * y) & 0xff));
            }
        }
        BufferedImage grey16 = new BufferedImage(12, 10, BufferedImage.TYPE_USHORT_GRAY);
        grey16.getRaster().setSamples(0, 0, 12, 10, 0, new SplittableRandom(1).ints(120, 0, 65536).toArray());
        BufferedImage argb = new BufferedImage(9, 9, BufferedImage.TYPE_INT_ARGB);
        argb.setRGB(4, 4, 0x80ff0000);
        WritableRaster cmyk = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, 16, 16, 4, null);
        cmyk.setSamples(0, 0, 16, 16, 1, new SplittableRandom(2).ints(256, 0, 256).toArray());
        return List.of(
                TestImages.png(photo),
                TestImages.png(grey16),
                TestImages.png(argb),
                LabelMapPng.encode(new SplittableRandom(3).ints(15 * 11, 0, 21).toArray(), 15, 11),
                TestImages.insertAfterSoi(TestImages.jpeg(photo, 0.9f, false), TestImages.exifSegment(6, false)),
                TestImages.jpeg(photo, 0.8f, true),
                TestImages.insertAfterSoi(TestImages.jpeg(cmyk, 0.9f), TestImages.adobeSegment(0)),
                TestImages.webp(TestImages.WEBP_LOSSY),
                TestImages.webp(TestImages.WEBP_LOSSLESS_ALPHA),
                TestImages.webp(TestImages.WEBP_ANIMATED));
    }

    /** Applies 1-4 random edits: bit flips, random bytes, insertions, deletions, truncation. */
    private static byte[] mutate(byte[] seed, SplittableRandom random) {
        byte[] b = seed.clone();
        int edits = 1 + random.nextInt(4);
        for (int e = 0; e < edits && b.length > 1; e++) {
            int at = random.nextInt(b.length);
            switch (random.nextInt(6)) {
                case 0 -> b[at] ^= (byte) (1 << random.nextInt(8));
                case 1 -> b[at] = (byte) random.nextInt(256);
                case 2 -> {
                    byte[] extra = new byte[1 + random.nextInt(16)];
                    random.nextBytes(extra);
                    b = TestImages.concat(Arrays.copyOf(b, at), extra, Arrays.copyOfRange(b, at, b.length));
                }
                case 3 -> {
                    int end = Math.min(b.length, at + 1 + random.nextInt(16));
                    b = TestImages.concat(Arrays.copyOf(b, at), Arrays.copyOfRange(b, end, b.length));
                }
                case 4 -> b = Arrays.copyOf(b, Math.max(1, at));
                default -> b[at] = (byte) (random.nextBoolean() ? 0xff : 0x00); // length/marker-like bytes
            }
        }
        return b;
    }
}
