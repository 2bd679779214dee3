package com.fmawsss.image;

import com.twelvemonkeys.imageio.metadata.Directory;
import com.twelvemonkeys.imageio.metadata.Entry;
import com.twelvemonkeys.imageio.metadata.tiff.TIFFReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * EXIF orientation: reading tag 0x0112 from a TIFF structure (TwelveMonkeys' TIFF reader, which
 * survives cyclic IFD chains and counts beyond the buffer), and turning a stored image upright. A
 * broken EXIF block is ignored rather than rejected, as viewers do: the pixels are still fine.
 */
final class ExifOrientation {

    private static final int ORIENTATION_TAG = 0x0112;

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
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(b, offset, length))) {
            Directory ifd = new TIFFReader().read(in);
            Entry entry = ifd.getEntryById(ORIENTATION_TAG);
            if (entry == null || !(entry.getValue() instanceof Number n)) {
                return 0;
            }
            long value = n.longValue();
            return value >= 1 && value <= 8 ? (int) value : 0;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
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
}
