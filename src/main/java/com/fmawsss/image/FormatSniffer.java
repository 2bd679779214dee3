package com.fmawsss.image;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Identifies the format of an upload from its first bytes. File names and declared content types
 * are client-controlled and deliberately ignored.
 */
final class FormatSniffer {

    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    private FormatSniffer() {}

    /**
     * Returns the format of the bytes.
     *
     * @throws ImageDecodeException {@code UNSUPPORTED_MEDIA_TYPE} when the bytes are none of ours
     */
    static ImageFormat sniff(byte[] bytes) {
        if (bytes.length == 0) {
            throw unsupported("The upload is empty; send a PNG, JPEG or WebP image.");
        }
        if (startsWith(bytes, 0, PNG_SIGNATURE)) {
            return ImageFormat.PNG;
        }
        if (bytes.length >= 3 && (bytes[0] & 0xff) == 0xff && (bytes[1] & 0xff) == 0xd8 && (bytes[2] & 0xff) == 0xff) {
            return ImageFormat.JPEG;
        }
        if (startsWith(bytes, 0, ascii("RIFF")) && startsWith(bytes, 8, ascii("WEBP"))) {
            return ImageFormat.WEBP;
        }
        if (startsWith(bytes, 0, ascii("GIF87a")) || startsWith(bytes, 0, ascii("GIF89a"))) {
            return ImageFormat.GIF;
        }
        if (bytes.length >= 26 && startsWith(bytes, 0, ascii("BM"))) {
            return ImageFormat.BMP;
        }
        if (startsWith(bytes, 0, ascii("II*\0")) || startsWith(bytes, 0, ascii("MM\0*"))) {
            return ImageFormat.TIFF;
        }
        String known = knownOtherFormat(bytes);
        throw unsupported(known == null
                ? "The upload is not a PNG, JPEG or WebP image (unrecognised file signature)."
                : "The upload is a " + known + " image; only PNG, JPEG and WebP are accepted.");
    }

    /** Names a few other formats so clients get a precise message; null when unknown. */
    private static String knownOtherFormat(byte[] b) {
        if (startsWith(b, 0, ascii("BM"))) {
            return "BMP";
        }
        if (startsWith(b, 4, ascii("ftypavif")) || startsWith(b, 4, ascii("ftypavis"))) {
            return "AVIF";
        }
        if (startsWith(b, 4, ascii("ftyphei")) || startsWith(b, 4, ascii("ftypmif1"))) {
            return "HEIF";
        }
        if (startsWith(b, 0, ascii("%PDF"))) {
            return "PDF";
        }
        return null;
    }

    private static ImageDecodeException unsupported(String message) {
        return new ImageDecodeException(ImageDecodeException.Kind.UNSUPPORTED_MEDIA_TYPE, message);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static boolean startsWith(byte[] bytes, int offset, byte[] prefix) {
        return bytes.length >= offset + prefix.length
                && Arrays.equals(bytes, offset, offset + prefix.length, prefix, 0, prefix.length);
    }
}
