package com.fmawsss.image;

/**
 * EXIF orientation: reading tag 0x0112 from a TIFF structure, and turning a stored image upright.
 * A broken EXIF block is ignored rather than rejected, as viewers do: the pixels are still fine.
 */
final class ExifOrientation {

    private static final int ORIENTATION_TAG = 0x0112;
    private static final int TYPE_SHORT = 3;
    private static final int TYPE_LONG = 4;

    private ExifOrientation() {}

    /**
     * Reads the orientation from IFD0 of a TIFF structure (the part of an EXIF APP1 segment after
     * {@code "Exif\0\0"}), in either byte order.
     *
     * @param b the buffer
     * @param offset where the TIFF header starts
     * @param length bytes available from {@code offset}
     * @return 1-8, or 0 when the tag is absent, out of range or the structure is malformed
     */
    static int parse(byte[] b, int offset, int length) {
        if (length < 8) {
            return 0;
        }
        boolean little;
        if (b[offset] == 'I' && b[offset + 1] == 'I') {
            little = true;
        } else if (b[offset] == 'M' && b[offset + 1] == 'M') {
            little = false;
        } else {
            return 0;
        }
        if (u16(b, offset + 2, little) != 42) {
            return 0;
        }
        long ifd = u32(b, offset + 4, little);
        if (ifd < 8 || ifd > length - 2L) {
            return 0;
        }
        int entries = u16(b, offset + (int) ifd, little);
        int first = offset + (int) ifd + 2;
        int available = (int) ((length - ifd - 2) / 12);
        for (int i = 0; i < Math.min(entries, available); i++) {
            int entry = first + i * 12;
            if (u16(b, entry, little) != ORIENTATION_TAG) {
                continue;
            }
            int type = u16(b, entry + 2, little);
            long count = u32(b, entry + 4, little);
            long value;
            if (type == TYPE_SHORT && count >= 1) {
                value = u16(b, entry + 8, little); // inline, left-justified in the 4-byte field
            } else if (type == TYPE_LONG && count >= 1) {
                value = u32(b, entry + 8, little);
            } else {
                return 0;
            }
            return value >= 1 && value <= 8 ? (int) value : 0;
        }
        return 0;
    }

    /**
     * Returns the upright image for a stored image and its orientation.
     *
     * @param stored the pixels as stored in the file
     * @param orientation 1-8; 5-8 swap width and height
     * @return the upright image ({@code stored} itself for orientation 1)
     */
    static RgbImage apply(RgbImage stored, int orientation) {
        if (orientation < 1 || orientation > 8) {
            throw new IllegalArgumentException("EXIF orientation must be 1-8, got " + orientation);
        }
        if (orientation == 1) {
            return stored;
        }
        int w = stored.width();
        int h = stored.height();
        boolean swap = orientation >= 5;
        int outW = swap ? h : w;
        int outH = swap ? w : h;
        byte[] src = stored.rgb();
        byte[] dst = new byte[src.length];
        for (int y = 0; y < outH; y++) {
            for (int x = 0; x < outW; x++) {
                // (sx, sy): the stored pixel shown at (x, y), per the TIFF/EXIF orientation table.
                int sx;
                int sy;
                switch (orientation) {
                    case 2 -> { sx = w - 1 - x; sy = y; }
                    case 3 -> { sx = w - 1 - x; sy = h - 1 - y; }
                    case 4 -> { sx = x; sy = h - 1 - y; }
                    case 5 -> { sx = y; sy = x; }
                    case 6 -> { sx = y; sy = h - 1 - x; }
                    case 7 -> { sx = w - 1 - y; sy = h - 1 - x; }
                    default -> { sx = w - 1 - y; sy = x; }
                }
                System.arraycopy(src, (sy * w + sx) * 3, dst, (y * outW + x) * 3, 3);
            }
        }
        return new RgbImage(outW, outH, dst);
    }

    private static int u16(byte[] b, int i, boolean little) {
        int b0 = b[i] & 0xff;
        int b1 = b[i + 1] & 0xff;
        return little ? b0 | (b1 << 8) : (b0 << 8) | b1;
    }

    private static long u32(byte[] b, int i, boolean little) {
        long hi = u16(b, little ? i + 2 : i, little);
        long lo = u16(b, little ? i : i + 2, little);
        return (hi << 16) | lo;
    }
}
