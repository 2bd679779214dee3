package com.fmawsss.masks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class CocoRleTest {

    private static boolean[] parse(String rows) {
        String compact = rows.replace("\n", "");
        boolean[] mask = new boolean[compact.length()];
        for (int i = 0; i < mask.length; i++) {
            mask[i] = compact.charAt(i) == '#';
        }
        return mask;
    }

    @Test
    void encodesColumnMajorStartingWithARunOfZeros() {
        // 3 rows x 2 columns. Column 0 top-down: . # .; column 1: # # . -> 0 1 0 1 1 0.
        boolean[] mask = parse("""
                .#
                ##
                ..
                """);
        CocoRle rle = CocoRle.encode(mask, 3, 2);
        assertThat(rle.counts()).containsExactly(1, 1, 1, 2, 1);
        assertThat(rle.area()).isEqualTo(3);
        // pycocotools: {'size': [3, 2], 'counts': b'11110'} (counts[3] is coded as 2 - 1 = 1,
        // counts[4] as 1 - 1 = 0).
        assertThat(CocoRleCodec.compress(rle)).isEqualTo("11110");
        assertThat(rle.decodeRowMajor()).isEqualTo(mask);
    }

    @Test
    void allZeroAllOneAndLeadingForeground() {
        assertThat(CocoRle.encode(new boolean[6], 3, 2).counts()).containsExactly(6);
        assertThat(CocoRleCodec.compress(CocoRle.encode(new boolean[6], 3, 2))).isEqualTo("6");
        boolean[] ones = {true, true, true, true, true, true};
        assertThat(CocoRle.encode(ones, 3, 2).counts()).containsExactly(0, 6);
        assertThat(CocoRleCodec.compress(CocoRle.encode(ones, 3, 2))).isEqualTo("06");
        // First pixel set: the leading run of zeros is empty.
        boolean[] first = parse("""
                #.
                ..
                """);
        assertThat(CocoRle.encode(first, 2, 2).counts()).containsExactly(0, 1, 3);
        assertThat(CocoRle.encode(new boolean[0], 0, 5).counts()).containsExactly(0);
    }

    @Test
    void negativeDeltasAndMultiChunkCountsAsPycocotools() {
        // 4 x 5; column-major 1111 0 1 000000 111 00000 -> counts 0 4 1 1 6 3 5.
        boolean[] mask = parse("""
                #..#.
                ##.#.
                #..#.
                #....
                """);
        CocoRle rle = CocoRle.encode(mask, 4, 5);
        assertThat(rle.counts()).containsExactly(0, 4, 1, 1, 6, 3, 5);
        // Deltas from index 3: 1-4 = -3 -> 'M' (29 + 48, sign bit 0x10 set), 6-1, 3-1, 5-6 = -1 -> 'O'.
        assertThat(CocoRleCodec.compress(rle)).isEqualTo("041M52O");
        // 10000 = 16 + 24*32 + 9*1024: chunks 16|0x20, 24|0x20, 9 -> '`', 'h', '9'.
        assertThat(CocoRleCodec.compress(CocoRle.encode(new boolean[10_000], 100, 100))).isEqualTo("`h9");
        assertThat(CocoRleCodec.decompress("041M52O", 4, 5)).isEqualTo(rle);
        assertThat(CocoRleCodec.decompress("`h9", 100, 100).counts()).containsExactly(10_000);
    }

    @Test
    void roundTripsRandomMasks() {
        SplittableRandom random = new SplittableRandom(7);
        for (int t = 0; t < 300; t++) {
            int h = 1 + random.nextInt(40);
            int w = 1 + random.nextInt(40);
            boolean[] mask = t % 2 == 0
                    ? RandomMasks.blobs(random, h, w, 1 + random.nextInt(4))
                    : RandomMasks.noise(random, h, w, random.nextDouble());
            CocoRle rle = CocoRle.encode(mask, h, w);
            assertThat(rle.decodeRowMajor()).isEqualTo(mask);
            CocoRle parsed = CocoRleCodec.decompress(CocoRleCodec.compress(rle), h, w);
            assertThat(parsed).isEqualTo(rle).hasSameHashCodeAs(rle);
            CompressedRle wire = CocoRleCodec.toWire(rle);
            assertThat(CocoRleCodec.fromJson(Map.of("size", wire.size(), "counts", wire.counts()))).isEqualTo(rle);
            int set = 0;
            for (boolean b : mask) {
                set += b ? 1 : 0;
            }
            assertThat(rle.area()).isEqualTo(set);
        }
    }

    @Test
    void intersectionAreaMatchesDecodedMasks() {
        SplittableRandom random = new SplittableRandom(11);
        for (int t = 0; t < 300; t++) {
            int h = 1 + random.nextInt(30);
            int w = 1 + random.nextInt(30);
            boolean[] a = t % 3 == 0 ? RandomMasks.noise(random, h, w, random.nextDouble())
                    : RandomMasks.blobs(random, h, w, 1 + random.nextInt(3));
            boolean[] b = t % 3 == 1 ? RandomMasks.noise(random, h, w, random.nextDouble())
                    : RandomMasks.blobs(random, h, w, 1 + random.nextInt(3));
            long expected = 0;
            for (int i = 0; i < a.length; i++) {
                expected += a[i] && b[i] ? 1 : 0;
            }
            CocoRle ra = CocoRle.encode(a, h, w);
            CocoRle rb = CocoRle.encode(b, h, w);
            assertThat(ra.intersectionArea(rb)).isEqualTo(expected);
            assertThat(rb.intersectionArea(ra)).isEqualTo(expected);
            assertThat(ra.intersectionArea(ra)).isEqualTo(ra.area());
        }
    }

    @Test
    void intersectionOfHandWorkedMasks() {
        CocoRle a = CocoRle.encode(parse("""
                ##.
                ##.
                """), 2, 3);
        CocoRle b = CocoRle.encode(parse("""
                .##
                ...
                """), 2, 3);
        assertThat(a.intersectionArea(b)).isEqualTo(1);
        assertThat(a.intersectionArea(CocoRle.encode(new boolean[6], 2, 3))).isZero();
        assertThatThrownBy(() -> a.intersectionArea(CocoRle.encode(new boolean[6], 3, 2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sizes differ");
    }

    @Test
    void runsAndPixelsInColumnMajorOrder() {
        CocoRle rle = CocoRle.encode(parse("""
                #..#.
                ##.#.
                #..#.
                #....
                """), 4, 5);
        List<int[]> runs = new ArrayList<>();
        rle.forEachRun((start, length) -> runs.add(new int[] {start, length}));
        assertThat(runs).containsExactly(new int[] {0, 4}, new int[] {5, 1}, new int[] {12, 3});
        List<Integer> pixels = new ArrayList<>();
        rle.forEachPixel(pixels::add);
        // Row-major indices of (y, x) = (0..3, 0), (1, 1), (0..2, 3).
        assertThat(pixels).containsExactly(0, 5, 10, 15, 6, 3, 8, 13);
    }

    @Test
    void jsonHasSizeAndCompressedCounts() {
        CocoRle rle = CocoRle.encode(parse(".#\n##\n..\n"), 3, 2);
        assertThat(CocoRleCodec.toWire(rle)).isEqualTo(new CompressedRle(List.of(3, 2), "11110"));
        Map<String, Object> uncompressed = Map.of("size", List.of(3, 2), "counts", List.of(1, 1, 1, 2, 1));
        assertThat(CocoRleCodec.fromJson(uncompressed)).isEqualTo(rle);
    }

    @Test
    void nonCanonicalCountsAreNormalised() {
        // An interior empty run joins its neighbours; a trailing empty run is dropped.
        assertThat(new CocoRle(2, 3, new int[] {1, 2, 0, 1, 2, 0}).counts()).containsExactly(1, 3, 2);
        assertThat(new CocoRle(2, 3, new int[] {0, 0, 6}).counts()).containsExactly(6);
        assertThat(new CocoRle(0, 3, new int[0]).counts()).containsExactly(0);
        assertThat(new CocoRle(2, 3, new int[] {1, 2, 0, 1, 2})).isEqualTo(new CocoRle(2, 3, new int[] {1, 3, 2}));
    }

    @Test
    void rejectsInvalidCountsWithClearMessages() {
        assertThatThrownBy(() -> new CocoRle(2, 3, new int[] {1, 2}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("RLE counts sum to 3 but the size has 6 pixels");
        assertThatThrownBy(() -> new CocoRle(2, 3, new int[] {7, -1}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("RLE count 1 is negative (-1)");
        assertThatThrownBy(() -> new CocoRle(-1, 3, new int[] {0}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("non-negative");
        assertThatThrownBy(() -> new CocoRle(65_536, 65_536, new int[] {0}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("pixels");
        assertThatThrownBy(() -> CocoRle.encode(new boolean[5], 2, 3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not have size [2, 3]");
    }

    @Test
    void rejectsMalformedCompressedStrings() {
        assertThatThrownBy(() -> CocoRleCodec.decompress("1111", 3, 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sum to 5 but the size has 6 pixels");
        assertThatThrownBy(() -> CocoRleCodec.decompress("1p", 3, 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("RLE counts string has invalid character 'p' at position 1 (allowed: '0'..'o')");
        // '`' has the continuation bit but nothing follows.
        assertThatThrownBy(() -> CocoRleCodec.decompress("`", 100, 100))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("RLE counts string ends inside count 0");
        // 'O' is -1 as a first count (no delta coding before index 3).
        assertThatThrownBy(() -> CocoRleCodec.decompress("O", 3, 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("RLE count 0 is negative (-1)");
        assertThatThrownBy(() -> CocoRleCodec.decompress("9", 3, 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cover more than the 6 pixels");
        assertThatThrownBy(() -> CocoRleCodec.decompress("````````1", 3, 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("too long");
    }

    @Test
    void rejectsMalformedJson() {
        assertThatThrownBy(() -> CocoRleCodec.fromJson(Map.of("size", List.of(3), "counts", "6")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'size' must be a list [height, width]");
        assertThatThrownBy(() -> CocoRleCodec.fromJson(Map.of("size", List.of(3, 2.5), "counts", "6")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("width must be a non-negative integer");
        assertThatThrownBy(() -> CocoRleCodec.fromJson(Map.of("size", List.of(3, 2), "counts", 6)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'counts' must be a string or a list of integers");
        assertThatThrownBy(() -> CocoRleCodec.fromJson(Map.of("size", List.of(3, 2), "counts", List.of(6, "x"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("RLE count 1 is not an integer");
    }

    @Test
    void equalityIsOverSizeAndCounts() {
        CocoRle a = new CocoRle(2, 3, new int[] {1, 2, 3});
        assertThat(a).isEqualTo(new CocoRle(2, 3, new int[] {1, 2, 3}));
        assertThat(a).isNotEqualTo(new CocoRle(3, 2, new int[] {1, 2, 3}));
        assertThat(a).isNotEqualTo(new CocoRle(2, 3, new int[] {2, 2, 2}));
        int[] counts = {6};
        CocoRle b = new CocoRle(2, 3, counts);
        counts[0] = 5;
        b.counts()[0] = 4;
        assertThat(b.counts()).containsExactly(6);
    }
}
