package com.fmawsss.masks;

import java.util.Arrays;
import java.util.function.IntConsumer;

/**
 * A binary mask in COCO run-length encoding, bit-compatible with pycocotools: the geometry
 * (encoding a mask, areas, intersections, runs). The wire forms (compressed counts strings, COCO
 * JSON objects) are {@link CocoRleCodec}'s.
 *
 * <p>Pixels are visited in column-major (Fortran) order: index {@code x * height + y}. The counts
 * alternate between runs of 0s and runs of 1s, starting with a run of 0s that may be empty, so a
 * mask whose first pixel is set starts with {@code 0}. The counts are held in pycocotools'
 * canonical form: only the first count may be zero (interior zero-length runs are merged away and
 * trailing ones dropped when a client sends them), so equal masks have equal counts and
 * {@link #equals} means "same mask". A mask of zero pixels is {@code [0]}.
 *
 * <p>The compact constructor validates (non-negative counts summing to {@code height * width}),
 * because counts may come from API clients; messages say what is wrong.
 *
 * @param height mask height {@code H}
 * @param width mask width {@code W}
 * @param counts run lengths, alternating 0-runs and 1-runs, column-major
 */
public record CocoRle(int height, int width, int[] counts) {

    /** Receives one run of foreground pixels. */
    @FunctionalInterface
    public interface RunConsumer {

        /**
         * Accepts a run.
         *
         * @param startColumnMajor index of the run's first pixel, {@code x * height + y}
         * @param length number of pixels, at least 1
         */
        void accept(int startColumnMajor, int length);
    }

    /** Validates the size and the counts and brings them to canonical form. */
    public CocoRle {
        if (height < 0 || width < 0) {
            throw new IllegalArgumentException("RLE size must be non-negative, got [" + height + ", " + width + "]");
        }
        long pixels = (long) height * width;
        if (pixels > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(
                    "RLE size [" + height + ", " + width + "] has more than " + Integer.MAX_VALUE + " pixels");
        }
        if (counts == null) {
            throw new IllegalArgumentException("RLE counts are missing");
        }
        counts = canonical(counts, pixels);
    }

    /**
     * Encodes a row-major boolean mask exactly as {@code pycocotools.mask.encode} does for
     * {@code np.asfortranarray(mask)}.
     *
     * @param rowMajor the mask, {@code rowMajor[y * width + x]}
     * @param height H
     * @param width W
     * @return the encoding
     */
    public static CocoRle encode(boolean[] rowMajor, int height, int width) {
        if (height < 0 || width < 0 || (long) height * width != rowMajor.length) {
            throw new IllegalArgumentException(
                    "mask of " + rowMajor.length + " pixels does not have size [" + height + ", " + width + "]");
        }
        int[] runs = new int[16];
        int size = 0;
        boolean previous = false;
        int run = 0;
        for (int x = 0; x < width; x++) {
            for (int y = 0; y < height; y++) {
                boolean value = rowMajor[y * width + x];
                if (value != previous) {
                    if (size == runs.length) {
                        runs = Arrays.copyOf(runs, size * 2);
                    }
                    runs[size++] = run;
                    run = 0;
                    previous = value;
                }
                run++;
            }
        }
        if (size == runs.length) {
            runs = Arrays.copyOf(runs, size + 1);
        }
        runs[size++] = run;
        return new CocoRle(height, width, Arrays.copyOf(runs, size));
    }

    /**
     * Decodes to a row-major boolean mask.
     *
     * @return {@code mask[y * width + x]}
     */
    public boolean[] decodeRowMajor() {
        boolean[] mask = new boolean[height * width];
        forEachPixel(index -> mask[index] = true);
        return mask;
    }

    /** Whether pixel {@code (x, y)} is set, found by walking the column-major runs. */
    public boolean contains(int x, int y) {
        if (x < 0 || y < 0 || x >= width || y >= height) {
            return false;
        }
        long target = (long) x * height + y;
        long start = 0;
        for (int i = 0; i < counts.length; i++) {
            start += counts[i];
            if (target < start) {
                return i % 2 == 1; // runs alternate, background first
            }
        }
        return false;
    }

    /** Counts the foreground pixels. */
    public long area() {
        long area = 0;
        for (int i = 1; i < counts.length; i += 2) {
            area += counts[i];
        }
        return area;
    }

    /**
     * Counts the pixels set in both masks, walking the runs of both without decoding.
     *
     * @param other a mask of the same size
     * @return {@code |this ∩ other|}
     */
    public long intersectionArea(CocoRle other) {
        requireSameSize(other);
        int[] a = counts;
        int[] b = other.counts;
        long total = 0;
        int i = 1;
        int j = 1;
        long aStart = a[0];
        long bStart = b[0];
        while (i < a.length && j < b.length) {
            long aEnd = aStart + a[i];
            long bEnd = bStart + b[j];
            long overlap = Math.min(aEnd, bEnd) - Math.max(aStart, bStart);
            if (overlap > 0) {
                total += overlap;
            }
            // Advance whichever foreground run ends first to the start of its next one.
            if (aEnd <= bEnd) {
                aStart = aEnd + (i + 1 < a.length ? a[i + 1] : 0);
                i += 2;
            } else {
                bStart = bEnd + (j + 1 < b.length ? b[j + 1] : 0);
                j += 2;
            }
        }
        return total;
    }

    /**
     * Visits the runs of foreground pixels in column-major order.
     *
     * @param consumer receives each run's start index ({@code x * height + y}) and length
     */
    public void forEachRun(RunConsumer consumer) {
        int start = 0;
        for (int i = 0; i < counts.length; i++) {
            if ((i & 1) == 1) {
                consumer.accept(start, counts[i]);
            }
            start += counts[i];
        }
    }

    /**
     * Visits every foreground pixel, in column-major order, by its row-major index.
     *
     * @param consumer receives {@code y * width + x} of each set pixel
     */
    public void forEachPixel(IntConsumer consumer) {
        forEachRun((start, length) -> {
            // Walk down the column and wrap to the next one without dividing per pixel.
            int x = start / height;
            int y = start % height;
            for (int n = 0; n < length; n++) {
                consumer.accept(y * width + x);
                if (++y == height) {
                    y = 0;
                    x++;
                }
            }
        });
    }

    /**
     * Returns the run lengths.
     *
     * @return a copy of the canonical counts
     */
    @Override
    public int[] counts() {
        return counts.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof CocoRle that
                && height == that.height
                && width == that.width
                && Arrays.equals(counts, that.counts);
    }

    @Override
    public int hashCode() {
        return (31 * height + width) * 31 + Arrays.hashCode(counts);
    }

    @Override
    public String toString() {
        return "CocoRle[" + height + "x" + width + ", area=" + area() + ", runs=" + counts.length + "]";
    }

    private void requireSameSize(CocoRle other) {
        if (other.height != height || other.width != width) {
            throw new IllegalArgumentException("RLE sizes differ: [" + height + ", " + width + "] vs ["
                    + other.height + ", " + other.width + "]");
        }
    }

    private static int[] canonical(int[] counts, long pixels) {
        long total = 0;
        boolean isCanonical = counts.length > 0;
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] < 0) {
                throw new IllegalArgumentException("RLE count " + i + " is negative (" + counts[i] + ")");
            }
            total += counts[i];
            isCanonical &= i == 0 || counts[i] > 0;
        }
        if (total != pixels) {
            throw new IllegalArgumentException(
                    "RLE counts sum to " + total + " but the size has " + pixels + " pixels");
        }
        if (isCanonical) {
            return counts.clone();
        }
        // A zero-length run joins its two neighbours, which have the same value.
        int[] out = new int[Math.max(1, counts.length)];
        int size = 1;
        out[0] = counts.length > 0 ? counts[0] : 0;
        for (int i = 1; i < counts.length; i++) {
            if (counts[i] == 0) {
                continue;
            }
            if ((i & 1) == ((size - 1) & 1)) {
                out[size - 1] += counts[i];
            } else {
                out[size++] = counts[i];
            }
        }
        return Arrays.copyOf(out, size);
    }
}
