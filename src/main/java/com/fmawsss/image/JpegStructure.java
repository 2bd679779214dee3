package com.fmawsss.image;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The marker layout of a JPEG, walked before ImageIO sees it: frame header, EXIF orientation,
 * embedded ICC profile segments and the number of scans. It also catches truncation, which
 * libjpeg only reports as a warning (it would fill the missing rows with grey and succeed).
 *
 * @param frameMarker the SOFn marker byte (0xC0 baseline, 0xC2 progressive, ...)
 * @param precision bits per sample
 * @param width frame width
 * @param height frame height (0 means defined later by a DNL marker)
 * @param components number of colour components (1 grey, 3 YCbCr/RGB, 4 CMYK/YCCK)
 * @param exifOrientation the orientation from the first EXIF APP1 segment, 1 when absent
 * @param scans number of SOS markers
 * @param iccSegments {start, end} byte ranges of the APP2 ICC_PROFILE segments, markers included
 */
record JpegStructure(
        int frameMarker, int precision, int width, int height, int components, int exifOrientation, int scans,
        List<int[]> iccSegments) {

    private static final byte[] EXIF_ID = "Exif\0\0".getBytes(StandardCharsets.ISO_8859_1);
    private static final byte[] ICC_ID = "ICC_PROFILE\0".getBytes(StandardCharsets.ISO_8859_1);

    private static final int SOF0 = 0xc0;
    private static final int DHT = 0xc4;
    private static final int JPG = 0xc8;
    private static final int DAC = 0xcc;
    private static final int RST0 = 0xd0;
    private static final int RST7 = 0xd7;
    private static final int SOI = 0xd8;
    private static final int EOI = 0xd9;
    private static final int SOS = 0xda;
    private static final int APP1 = 0xe1;
    private static final int APP2 = 0xe2;
    private static final int TEM = 0x01;

    /**
     * Walks the markers of a JPEG whose SOI was already checked.
     *
     * @throws ImageDecodeException {@code CORRUPT} when a segment overruns the data, there is no
     *     frame header or scan, or the data ends before the EOI marker
     */
    static JpegStructure parse(byte[] b) {
        int pos = 2;
        int[] frame = null;
        int orientation = 0;
        int scans = 0;
        List<int[]> icc = new ArrayList<>();
        while (true) {
            // libjpeg skips stray bytes before a marker (with a warning); so do we.
            while (pos < b.length && (b[pos] & 0xff) != 0xff) {
                pos++;
            }
            while (pos + 1 < b.length && (b[pos + 1] & 0xff) == 0xff) {
                pos++; // fill bytes
            }
            if (pos + 1 >= b.length) {
                throw corrupt("The JPEG data is truncated (it ends before the end-of-image marker).");
            }
            int marker = b[pos + 1] & 0xff;
            int segmentStart = pos;
            pos += 2;
            if (marker == EOI) {
                break;
            }
            if (marker == SOI || marker == TEM || (marker >= RST0 && marker <= RST7) || marker == 0) {
                continue; // markers without a length field (or a stuffed zero outside a scan)
            }
            if (b.length - pos < 2) {
                throw corrupt("The JPEG data is truncated (it ends inside a marker segment).");
            }
            int length = ((b[pos] & 0xff) << 8) | (b[pos + 1] & 0xff);
            if (length < 2 || length > b.length - pos) {
                throw corrupt("The JPEG data is truncated or corrupt (a marker segment declares " + length
                        + " bytes, only " + (b.length - pos) + " remain).");
            }
            int data = pos + 2;
            int dataLength = length - 2;
            if (isFrameMarker(marker) && frame == null) {
                if (dataLength < 6) {
                    throw corrupt("The JPEG data is corrupt (its frame header is too short).");
                }
                frame = new int[] {marker, b[data] & 0xff, u16(b, data + 3), u16(b, data + 1), b[data + 5] & 0xff};
            } else if (marker == APP1 && orientation == 0 && startsWith(b, data, dataLength, EXIF_ID)) {
                orientation = ExifOrientation.parse(b, data + EXIF_ID.length, dataLength - EXIF_ID.length);
            } else if (marker == APP2 && startsWith(b, data, dataLength, ICC_ID)) {
                icc.add(new int[] {segmentStart, pos + length});
            }
            pos += length;
            if (marker == SOS) {
                if (frame == null) {
                    throw corrupt("The JPEG data is corrupt (image data appears before the frame header).");
                }
                scans++;
                pos = skipEntropyCodedData(b, pos);
            }
        }
        if (frame == null || scans == 0) {
            throw corrupt("The JPEG data is corrupt (it has no " + (frame == null ? "frame header" : "image data") + ").");
        }
        return new JpegStructure(frame[0], frame[1], frame[2], frame[3], frame[4], Math.max(orientation, 1), scans,
                List.copyOf(icc));
    }

    /** Whether this frame uses Huffman coding (SOF0-2, SOF3 lossless excluded). */
    boolean isHuffmanDct() {
        return frameMarker >= SOF0 && frameMarker <= SOF0 + 2;
    }

    /** Returns a short description of the frame type for client messages. */
    String frameDescription() {
        return switch (frameMarker) {
            case 0xc3 -> "lossless JPEG (SOF3)";
            case 0xc5, 0xc6, 0xc7 -> String.format("hierarchical JPEG (SOF%d)", frameMarker - SOF0);
            case 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf -> String.format("arithmetic-coded JPEG (SOF%d)", frameMarker - SOF0);
            default -> String.format("JPEG frame type SOF%d", frameMarker - SOF0);
        };
    }

    /** Returns the bytes with the ICC profile segments removed (the same array when there are none). */
    byte[] withoutIccProfiles(byte[] b) {
        if (iccSegments.isEmpty()) {
            return b;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(b.length);
        int from = 0;
        for (int[] segment : iccSegments) {
            out.write(b, from, segment[0] - from);
            from = segment[1];
        }
        out.write(b, from, b.length - from);
        return out.toByteArray();
    }

    /** Returns the position of the first marker after entropy-coded data, or the data length. */
    private static int skipEntropyCodedData(byte[] b, int pos) {
        while (pos + 1 < b.length) {
            if ((b[pos] & 0xff) != 0xff) {
                pos++;
                continue;
            }
            int next = b[pos + 1] & 0xff;
            if (next == 0 || (next >= RST0 && next <= RST7)) {
                pos += 2; // stuffed zero or restart marker: still inside the scan
            } else if (next == 0xff) {
                pos++; // fill byte
            } else {
                return pos;
            }
        }
        return b.length;
    }

    private static boolean isFrameMarker(int marker) {
        return marker >= SOF0 && marker <= 0xcf && marker != DHT && marker != JPG && marker != DAC;
    }

    private static boolean startsWith(byte[] b, int offset, int length, byte[] prefix) {
        return length >= prefix.length && Arrays.equals(b, offset, offset + prefix.length, prefix, 0, prefix.length);
    }

    private static int u16(byte[] b, int i) {
        return ((b[i] & 0xff) << 8) | (b[i + 1] & 0xff);
    }

    private static ImageDecodeException corrupt(String message) {
        return new ImageDecodeException(ImageDecodeException.Kind.CORRUPT, message);
    }
}
