package com.fmawsss.image;

import java.nio.charset.StandardCharsets;

/**
 * The chunk layout of a PNG, checked before ImageIO sees it. The JDK reader allocates a buffer of
 * a chunk's declared length before reading it, so a 100-byte file declaring a 2 GB chunk would
 * cost 2 GB; walking the chunks first bounds every allocation by the upload size. Chunk CRCs are
 * not verified (the JDK reader ignores them too); zlib's Adler-32 still guards the pixel data.
 *
 * @param width IHDR width
 * @param height IHDR height
 * @param bitDepth IHDR bit depth
 * @param colorType IHDR colour type (0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA)
 */
record PngStructure(long width, long height, int bitDepth, int colorType) {

    static final int GREY = 0;
    static final int PALETTE = 3;

    private static final int SIGNATURE_LENGTH = 8;

    /**
     * Walks the chunks of a PNG whose signature was already checked.
     *
     * @throws ImageDecodeException {@code CORRUPT} when a chunk overruns the data, IHDR is missing
     *     or malformed, or the data ends before IEND
     */
    static PngStructure parse(byte[] b) {
        int pos = SIGNATURE_LENGTH;
        PngStructure header = null;
        while (true) {
            if (b.length - pos < 12) {
                throw corrupt("The PNG data is truncated (it ends before the IEND chunk).");
            }
            long length = u32(b, pos);
            String type = new String(b, pos + 4, 4, StandardCharsets.ISO_8859_1);
            if (length > b.length - pos - 12L) {
                throw corrupt("The PNG data is truncated or corrupt (chunk " + printable(type) + " declares "
                        + length + " bytes, only " + Math.max(0, b.length - pos - 12) + " remain).");
            }
            int data = pos + 8;
            if (header == null) {
                if (!type.equals("IHDR") || length != 13) {
                    throw corrupt("The PNG data is corrupt (it does not start with a valid IHDR chunk).");
                }
                header = new PngStructure(u32(b, data), u32(b, data + 4), b[data + 8] & 0xff, b[data + 9] & 0xff);
            }
            if (type.equals("IEND")) {
                return header;
            }
            pos = data + (int) length + 4;
        }
    }

    private static String printable(String type) {
        return type.chars().allMatch(c -> c >= 'A' && c <= 'z' && Character.isLetter(c)) ? type : "?";
    }

    private static long u32(byte[] b, int i) {
        return ((b[i] & 0xffL) << 24) | ((b[i + 1] & 0xff) << 16) | ((b[i + 2] & 0xff) << 8) | (b[i + 3] & 0xff);
    }

    private static ImageDecodeException corrupt(String message) {
        return new ImageDecodeException(ImageDecodeException.Kind.CORRUPT, message);
    }
}
