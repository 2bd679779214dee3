package com.fmawsss.masks;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * A binary mask in COCO run-length encoding, bit-compatible with pycocotools.
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

    // 7 chunks of 5 bits hold any count delta of a mask of at most 2^31 - 1 pixels.
    private static final int MAX_CHUNKS = 7;

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
     * Parses pycocotools' compressed counts string ({@code rleFrString}): each count is written in
     * chunks of 5 bits, least significant first, as characters {@code '0' + chunk}, with bit
     * {@code 0x20} marking "more chunks follow" and bit {@code 0x10} of the last chunk the sign;
     * from the fourth count on, the value is the difference to the count two places earlier.
     *
     * @param compressed the {@code counts} string of a COCO RLE object
     * @param height H
     * @param width W
     * @return the encoding
     * @throws IllegalArgumentException when the string is malformed or does not fit the size
     */
    public static CocoRle fromCompressedString(String compressed, int height, int width) {
        if (compressed == null) {
            throw new IllegalArgumentException("RLE counts string is missing");
        }
        long pixels = (long) height * width;
        int[] counts = new int[Math.max(1, Math.min(compressed.length(), 1 << 16))];
        int m = 0;
        long total = 0;
        int p = 0;
        while (p < compressed.length()) {
            long x = 0;
            int k = 0;
            boolean more = true;
            while (more) {
                if (p >= compressed.length()) {
                    throw new IllegalArgumentException("RLE counts string ends inside count " + m);
                }
                if (k == MAX_CHUNKS) {
                    throw new IllegalArgumentException("RLE count " + m + " is too long (at character " + p + ")");
                }
                char ch = compressed.charAt(p);
                int c = ch - 48;
                if (c < 0 || c > 63) {
                    throw new IllegalArgumentException(
                            "RLE counts string has invalid character '" + ch + "' at position " + p
                                    + " (allowed: '0'..'o')");
                }
                x |= (long) (c & 0x1f) << (5 * k);
                more = (c & 0x20) != 0;
                p++;
                k++;
                if (!more && (c & 0x10) != 0) {
                    x |= -1L << (5 * k); // sign-extend the last chunk
                }
            }
            if (m > 2) {
                x += counts[m - 2];
            }
            if (x < 0) {
                throw new IllegalArgumentException("RLE count " + m + " is negative (" + x + ")");
            }
            total += x;
            if (total > pixels) {
                throw new IllegalArgumentException(
                        "RLE counts cover more than the " + pixels + " pixels of size [" + height + ", " + width + "]");
            }
            if (m == counts.length) {
                counts = Arrays.copyOf(counts, m * 2);
            }
            counts[m++] = (int) x;
        }
        return new CocoRle(height, width, Arrays.copyOf(counts, m));
    }

    /**
     * Parses a COCO RLE object: {@code {"size": [H, W], "counts": "<compressed>"}} or the
     * uncompressed form with {@code "counts": [n0, n1, ...]}.
     *
     * @param json the parsed JSON object
     * @return the encoding
     * @throws IllegalArgumentException when the object is malformed
     */
    public static CocoRle fromJson(Map<String, ?> json) {
        if (json == null) {
            throw new IllegalArgumentException("RLE object is missing");
        }
        if (!(json.get("size") instanceof List<?> size) || size.size() != 2) {
            throw new IllegalArgumentException("RLE 'size' must be a list [height, width]");
        }
        int height = dimension(size.get(0), "height");
        int width = dimension(size.get(1), "width");
        Object counts = json.get("counts");
        if (counts instanceof String compressed) {
            return fromCompressedString(compressed, height, width);
        }
        if (counts instanceof List<?> list) {
            int[] values = new int[list.size()];
            for (int i = 0; i < values.length; i++) {
                if (!(list.get(i) instanceof Number n) || !isInt(n)) {
                    throw new IllegalArgumentException("RLE count " + i + " is not an integer: " + list.get(i));
                }
                values[i] = n.intValue();
            }
            return new CocoRle(height, width, values);
        }
        throw new IllegalArgumentException("RLE 'counts' must be a string or a list of integers");
    }

    /**
     * Writes pycocotools' compressed counts string ({@code rleToString}).
     *
     * @return the string, characters {@code '0'..'o'}
     */
    public String toCompressedString() {
        StringBuilder out = new StringBuilder(counts.length * 2);
        for (int i = 0; i < counts.length; i++) {
            long x = counts[i];
            if (i > 2) {
                x -= counts[i - 2];
            }
            boolean more = true;
            while (more) {
                int c = (int) (x & 0x1f);
                x >>= 5;
                more = (c & 0x10) != 0 ? x != -1 : x != 0;
                if (more) {
                    c |= 0x20;
                }
                out.append((char) (c + 48));
            }
        }
        return out.toString();
    }

    /**
     * Returns the COCO JSON object, as pycocotools writes it (compressed counts).
     *
     * @return {@code {"size": [H, W], "counts": "<string>"}}
     */
    public Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("size", List.of(height, width));
        json.put("counts", toCompressedString());
        return json;
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

    /**
     * Counts the foreground pixels.
     *
     * @return the area
     */
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

    private static int dimension(Object value, String name) {
        if (!(value instanceof Number n) || !isInt(n) || n.intValue() < 0) {
            throw new IllegalArgumentException("RLE " + name + " must be a non-negative integer, got " + value);
        }
        return n.intValue();
    }

    private static boolean isInt(Number n) {
        double d = n.doubleValue();
        return d == Math.rint(d) && d >= Integer.MIN_VALUE && d <= Integer.MAX_VALUE;
    }
}
