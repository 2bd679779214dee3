package com.fmawsss.labeling.labelstudio;

import java.io.ByteArrayOutputStream;

/**
 * Label Studio's brush RLE: the bit-packed run-length format of thi.ng's {@code rle-pack} that
 * the Label Studio editor decodes and the SDK's brush converter writes. It encodes an RGBA byte
 * image of {@code width * height * 4} values; a mask is the alpha channel (the editor paints
 * alpha, the SDK exports alpha {@code > 0}). The JSON form is the list of the packed bytes.
 *
 * <p>Bit layout, most significant bit first: 32 bits value count {@code n}; 5 bits word size - 1;
 * four 4-bit run-length field sizes - 1; then chunks until {@code n} values are produced: 1 bit
 * repeat flag, 2 bits index of the length field size, that many bits of run length - 1, then one
 * value (repeat) or that many values (literal), each word-size bits. The last byte is zero-padded.
 *
 * <p>The encoder writes word size 8 and field sizes 3, 4, 8 and 16 bits, as the SDK does; every
 * chunk is a repeat (a mask pixel is four equal values, so runs are at least 4 long), runs longer
 * than 65,536 values are split.
 */
public final class BrushRle {

    private static final int[] FIELD_BITS = {3, 4, 8, 16};

    private BrushRle() {}

    /**
     * Encodes a mask: foreground pixels become RGBA 255,255,255,255, background 0,0,0,0.
     *
     * @param mask row-major membership
     * @return the packed bytes as unsigned values
     */
    public static int[] encode(boolean[] mask) {
        BitWriter out = new BitWriter();
        out.write((long) mask.length * 4, 32);
        out.write(8 - 1, 5);
        for (int bits : FIELD_BITS) {
            out.write(bits - 1, 4);
        }
        int i = 0;
        while (i < mask.length) {
            boolean value = mask[i];
            int j = i;
            while (j < mask.length && mask[j] == value) {
                j++;
            }
            long run = (long) (j - i) * 4;
            while (run > 0) {
                long chunk = Math.min(run, 1L << 16);
                int field = chunk <= 8 ? 0 : chunk <= 16 ? 1 : chunk <= 256 ? 2 : 3;
                out.write(1, 1);
                out.write(field, 2);
                out.write(chunk - 1, FIELD_BITS[field]);
                out.write(value ? 255 : 0, 8);
                run -= chunk;
            }
            i = j;
        }
        return out.toUnsignedArray();
    }

    /**
     * Decodes the alpha channel of an encoded RGBA image into a mask (alpha {@code > 0}).
     *
     * @param rle the packed bytes, each 0-255
     * @param width image columns
     * @param height image rows
     * @return row-major membership
     * @throws IllegalArgumentException when the data is malformed or does not hold {@code width *
     *     height * 4} values
     */
    public static boolean[] decodeMask(int[] rle, int width, int height) {
        BitReader in = new BitReader(rle);
        long expected = (long) width * height * 4;
        long count = in.read(32);
        if (count != expected) {
            throw new IllegalArgumentException("the RLE holds " + count + " values; a " + width + "x" + height
                    + " RGBA image has " + expected);
        }
        int wordSize = (int) in.read(5) + 1;
        int[] fields = new int[4];
        for (int k = 0; k < 4; k++) {
            fields[k] = (int) in.read(4) + 1;
        }
        boolean[] mask = new boolean[width * height];
        long i = 0;
        while (i < count) {
            boolean repeat = in.read(1) == 1;
            int field = fields[(int) in.read(2)];
            long end = i + 1 + in.read(field);
            if (end > count) {
                throw new IllegalArgumentException("an RLE run ends after the last value");
            }
            if (repeat) {
                boolean alpha = in.read(wordSize) != 0;
                if (alpha) {
                    for (long v = firstAlpha(i); v < end; v += 4) {
                        mask[(int) (v / 4)] = true;
                    }
                }
            } else {
                for (long v = i; v < end; v++) {
                    long value = in.read(wordSize);
                    if (v % 4 == 3 && value != 0) {
                        mask[(int) (v / 4)] = true;
                    }
                }
            }
            i = end;
        }
        return mask;
    }

    /** The first alpha index (i % 4 == 3) at or after i. */
    private static long firstAlpha(long i) {
        return i + ((3 - i % 4) + 4) % 4;
    }

    private static final class BitWriter {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private int current;
        private int filled;

        void write(long value, int bits) {
            for (int b = bits - 1; b >= 0; b--) {
                current = (current << 1) | (int) ((value >>> b) & 1);
                if (++filled == 8) {
                    bytes.write(current);
                    current = 0;
                    filled = 0;
                }
            }
        }

        int[] toUnsignedArray() {
            if (filled > 0) {
                bytes.write(current << (8 - filled));
                current = 0;
                filled = 0;
            }
            byte[] raw = bytes.toByteArray();
            int[] out = new int[raw.length];
            for (int k = 0; k < raw.length; k++) {
                out[k] = raw[k] & 0xff;
            }
            return out;
        }
    }

    private static final class BitReader {
        private final int[] data;
        private long position;

        BitReader(int[] data) {
            this.data = data;
        }

        long read(int bits) {
            long value = 0;
            for (int b = 0; b < bits; b++) {
                int index = (int) (position >>> 3);
                if (index >= data.length) {
                    throw new IllegalArgumentException("the RLE data ends early");
                }
                int octet = data[index];
                if (octet < 0 || octet > 255) {
                    throw new IllegalArgumentException("RLE values must be bytes (0-255)");
                }
                value = (value << 1) | ((octet >>> (7 - (position & 7))) & 1);
                position++;
            }
            return value;
        }
    }
}
