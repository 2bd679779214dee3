package com.fmawsss.image;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The RIFF chunk layout of a WebP, checked before ImageIO sees it so that no chunk can declare
 * more bytes than were uploaded, and with the ICC profile chunk located so it can be dropped.
 *
 * @param riffEnd end of the RIFF payload (trailing bytes after it are ignored)
 * @param vp8xOffset start of the VP8X chunk payload, or -1
 * @param iccpStart start of the ICCP chunk header, or -1
 * @param iccpEnd end of the ICCP chunk including padding, or -1
 */
record WebpStructure(int riffEnd, int vp8xOffset, int iccpStart, int iccpEnd) {

    private static final int HEADER_LENGTH = 12;
    private static final int ICC_FLAG = 0x20;

    /**
     * Walks the chunks of a WebP whose RIFF/WEBP signature was already checked.
     *
     * @throws ImageDecodeException {@code CORRUPT} when the data is truncated or a chunk overruns it
     */
    static WebpStructure parse(byte[] b) {
        long riffEnd = 8 + u32le(b, 4);
        if (riffEnd > b.length) {
            throw corrupt("The WebP data is truncated (the RIFF header declares " + riffEnd + " bytes, the upload has "
                    + b.length + ").");
        }
        int end = (int) riffEnd;
        int pos = HEADER_LENGTH;
        int vp8x = -1;
        int iccpStart = -1;
        int iccpEnd = -1;
        boolean first = true;
        while (end - pos >= 8) {
            String type = new String(b, pos, 4, StandardCharsets.ISO_8859_1);
            long length = u32le(b, pos + 4);
            long padded = length + (length & 1);
            if (length > end - pos - 8L) {
                throw corrupt("The WebP data is truncated or corrupt (a chunk declares " + length + " bytes, only "
                        + (end - pos - 8) + " remain).");
            }
            if (first && !type.equals("VP8 ") && !type.equals("VP8L") && !type.equals("VP8X")) {
                throw corrupt("The WebP data is corrupt (it does not start with an image chunk).");
            }
            first = false;
            int next = (int) Math.min(end, pos + 8 + padded); // some encoders omit the last pad byte
            if (type.equals("VP8X") && length >= 10) {
                vp8x = pos + 8;
            } else if (type.equals("ICCP") && iccpStart < 0) {
                iccpStart = pos;
                iccpEnd = next;
            }
            pos = next;
        }
        if (first) {
            throw corrupt("The WebP data is truncated (it has no image chunk).");
        }
        return new WebpStructure(end, vp8x, iccpStart, iccpEnd);
    }

    /** Returns the bytes without the ICC profile chunk (the same array when there is none). */
    byte[] withoutIccProfile(byte[] b) {
        if (iccpStart < 0) {
            return b;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(riffEnd);
        out.write(b, 0, iccpStart);
        out.write(b, iccpEnd, riffEnd - iccpEnd);
        byte[] stripped = out.toByteArray();
        long riffSize = stripped.length - 8L;
        for (int i = 0; i < 4; i++) {
            stripped[4 + i] = (byte) (riffSize >>> (8 * i));
        }
        if (vp8xOffset >= 0 && vp8xOffset < iccpStart) {
            stripped[vp8xOffset] &= (byte) ~ICC_FLAG; // the flag must agree with the chunks present
        }
        return stripped;
    }

    private static long u32le(byte[] b, int i) {
        return (b[i] & 0xffL) | ((b[i + 1] & 0xffL) << 8) | ((b[i + 2] & 0xffL) << 16) | ((b[i + 3] & 0xffL) << 24);
    }

    private static ImageDecodeException corrupt(String message) {
        return new ImageDecodeException(ImageDecodeException.Kind.CORRUPT, message);
    }
}
