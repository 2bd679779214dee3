package com.fmawsss.masks;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The wire forms of {@link CocoRle}, exactly as pycocotools reads and writes them: the compressed
 * counts string ({@code rleToString}/{@code rleFrString}) and the COCO JSON object, compressed or
 * not. Input may come from API clients and dataset files: every malformed form is refused with an
 * {@link IllegalArgumentException} that says what is wrong.
 */
public final class CocoRleCodec {

    // 7 chunks of 5 bits hold any count delta of a mask of at most 2^31 - 1 pixels.
    private static final int MAX_CHUNKS = 7;

    private CocoRleCodec() {}

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
    public static CocoRle decompress(String compressed, int height, int width) {
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
            return decompress(compressed, height, width);
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
    public static String compress(CocoRle rle) {
        int[] counts = rle.counts();
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

    /** The COCO JSON object, as pycocotools writes it (compressed counts). */
    public static CompressedRle toWire(CocoRle rle) {
        return new CompressedRle(List.of(rle.height(), rle.width()), compress(rle));
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
