package com.fmawsss.image;

import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.color.ICC_Profile;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.zip.CRC32;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/** Builds test images in memory: ImageIO-written files, hand-made headers and segments. */
public final class TestImages {

    /** 3x2 lossless WebP: red, green, blue / white, black, (10, 20, 30); written by Pillow. */
    static final String WEBP_LOSSLESS =
            "UklGRjoAAABXRUJQVlA4TC4AAAAvAkAAAC8gECCI8J9qQ0iQ0P2/V4EAQYn/SvMfIDY5tgoUpG3A4u4pWUT/4+oA";
    /** As {@link #WEBP_LOSSLESS} with alpha 255, 128, 0 / 0, 64, 255 (colours kept under alpha 0). */
    static final String WEBP_LOSSLESS_ALPHA =
            "UklGRkYAAABXRUJQVlA4TDkAAAAvAkAAEC8gECCI8J9qg0zaJn3n3+8Ism06kftbniDbZmgb2dEfOB/qpLFtUMg2Ahy6F+gULqL/cawA";
    /** 16x16 lossy WebP filled with (200, 100, 50); Pillow decodes (201, 100, 50). */
    static final String WEBP_LOSSY =
            "UklGRj4AAABXRUJQVlA4IDIAAADQAQCdASoQABAAAMASJaACdLoB+AADsAD+2ib/7vN+09e09f1M//jKnyA/4yp/xcwAAA==";
    /** 8x8 lossless WebP filled with (100, 150, 200) and tagged with a linear-RGB ICC profile (VP8X + ICCP). */
    static final String WEBP_ICC = "UklGRiACAABXRUJQVlA4WAoAAAAgAAAABwAABwAASUNDUOgBAAAAAAHobGNtcwIwAABtbnRyUkdCIFhZWiAH2AADABwADgAYACVh"
            + "Y3NwQVBQTAAAAAAAAAAAAAAAAAAAAAAAAAABAAAAAQAA9tYAAQAAAADTLWxjbXMAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
            + "AAAAAAAAAAAAAAAAAAAAAAAAAAlkZXNjAAAA8AAAAGZjcHJ0AAABWAAAAA13dHB0AAABaAAAABRyWFlaAAABfAAAABRnWFlaAAAB"
            + "kAAAABRiWFlaAAABpAAAABRyVFJDAAABuAAAABBnVFJDAAAByAAAABBiVFJDAAAB2AAAABBkZXNjAAAAAAAAAAxsaW5lYXIgc1JH"
            + "QgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
            + "AAAAAAAAAHRleHQAAAAAbm9uZQAAAABYWVogAAAAAAAA8zoAAQAAAAEWm1hZWiAAAAAAAABvlwAAOO8AAAOPWFlaIAAAAAAAAGKj"
            + "AAC3jQAAGNxYWVogAAAAAAAAJJwAAA+DAAC2vGN1cnYAAAAAAAAAAQEAAABjdXJ2AAAAAAAAAAEBAAAAY3VydgAAAAAAAAABAQAA"
            + "AFZQOEwRAAAALwfAAQAHUMuSFbn/gYjofwAA";

    /** 4x4 animated lossless WebP: a red frame, then a blue one. */
    static final String WEBP_ANIMATED = "UklGRoQAAABXRUJQVlA4WAoAAAACAAAAAwAAAwAAQU5JTQYAAAAAAAAAAABBTk1GKAAAAAAAAAAAAAMAAAMAAGQAAAJWUDhMDwAA"
            + "AC8DwAAABxD9j/4HIqL/AQBBTk1GKAAAAAAAAAAAAAMAAAMAAGQAAABWUDhMDwAAAC8DwAAABxDR//4HIqL/AQA=";

    private TestImages() {}

    static byte[] webp(String base64) {
        return Base64.getDecoder().decode(base64);
    }

    static byte[] png(BufferedImage image) {
        return write(image, "png");
    }

    public static byte[] jpeg(BufferedImage image) {
        return jpeg(image, 1.0f, false);
    }

    /** Writes a JPEG with the JDK's own writer (deterministic: no plugin preference involved). */
    static byte[] jpeg(BufferedImage image, float quality, boolean progressive) {
        return jpeg(new IIOImage(image, null, null), quality, progressive);
    }

    /** Writes a raster as a JPEG without colour conversion (4 bands give a 4-component JPEG). */
    static byte[] jpeg(Raster raster, float quality) {
        return jpeg(new IIOImage(raster, null, null), quality, false);
    }

    private static byte[] jpeg(IIOImage image, float quality, boolean progressive) {
        ImageWriter writer = jdkJpegWriter();
        ImageWriteParam param = writer.getDefaultWriteParam();
        param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        param.setCompressionQuality(quality);
        if (progressive) {
            param.setProgressiveMode(ImageWriteParam.MODE_DEFAULT);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ImageOutputStream ios = ImageIO.createImageOutputStream(out)) {
            writer.setOutput(ios);
            writer.write(null, image, param);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }

    private static ImageWriter jdkJpegWriter() {
        var writers = ImageIO.getImageWritersByFormatName("jpeg");
        while (writers.hasNext()) {
            ImageWriter writer = writers.next();
            if (writer.getClass().getName().startsWith("com.sun.")) {
                return writer;
            }
        }
        throw new IllegalStateException("no JDK JPEG writer");
    }

    static byte[] write(BufferedImage image, String format) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, format, out)) {
                throw new IllegalStateException("no writer for " + format);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** An RGB image of uniform blocks, {@code colours[row][col]} as 0xRRGGBB. */
    static BufferedImage blocks(int[][] colours, int blockSize) {
        int rows = colours.length;
        int cols = colours[0].length;
        BufferedImage image = new BufferedImage(cols * blockSize, rows * blockSize, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                image.setRGB(x, y, colours[y / blockSize][x / blockSize]);
            }
        }
        return image;
    }

    /** A 16-bit-per-channel RGB image (PNG writes it as 16-bit RGB). */
    static BufferedImage rgb16(int width, int height) {
        ComponentColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB), false, false,
                Transparency.OPAQUE, DataBuffer.TYPE_USHORT);
        WritableRaster raster = cm.createCompatibleWritableRaster(width, height);
        return new BufferedImage(cm, raster, false, null);
    }

    /** An 8-bit grey + alpha image (PNG colour type 4). */
    static BufferedImage greyAlpha(int width, int height) {
        ComponentColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_GRAY), true, false,
                Transparency.TRANSLUCENT, DataBuffer.TYPE_BYTE);
        return new BufferedImage(cm, cm.createCompatibleWritableRaster(width, height), false, null);
    }

    /** Inserts a marker segment right after a JPEG's SOI. */
    public static byte[] insertAfterSoi(byte[] jpeg, byte[] segment) {
        return ByteBuffer.allocate(jpeg.length + segment.length)
                .put(jpeg, 0, 2).put(segment).put(jpeg, 2, jpeg.length - 2).array();
    }

    /** A JPEG marker segment: FF, marker, length, payload. */
    static byte[] segment(int marker, byte[] payload) {
        return ByteBuffer.allocate(4 + payload.length)
                .put((byte) 0xff).put((byte) marker).putShort((short) (payload.length + 2)).put(payload).array();
    }

    /**
     * An APP1 Exif segment whose IFD0 has an unrelated tag and then the orientation tag.
     *
     * @param orientation the value of tag 0x0112
     * @param littleEndian "II" (Intel) or "MM" (Motorola) byte order
     */
    public static byte[] exifSegment(int orientation, boolean littleEndian) {
        ByteBuffer tiff = ByteBuffer.allocate(8 + 2 + 2 * 12 + 4)
                .order(littleEndian ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
        tiff.put((byte) (littleEndian ? 'I' : 'M')).put((byte) (littleEndian ? 'I' : 'M')).putShort((short) 42).putInt(8);
        tiff.putShort((short) 2);
        tiff.putShort((short) 0x010f).putShort((short) 2).putInt(4).put("ACME".getBytes(StandardCharsets.US_ASCII));
        tiff.putShort((short) 0x0112).putShort((short) 3).putInt(1).putShort((short) orientation).putShort((short) 0);
        tiff.putInt(0); // no IFD1
        return segment(0xe1, concat("Exif\0\0".getBytes(StandardCharsets.ISO_8859_1), tiff.array()));
    }

    /** An APP2 ICC_PROFILE segment holding a whole (small) profile. */
    static byte[] iccSegment(ICC_Profile profile) {
        byte[] id = "ICC_PROFILE\0".getBytes(StandardCharsets.ISO_8859_1);
        return segment(0xe2, concat(id, new byte[] {1, 1}, profile.getData()));
    }

    /** An APP14 Adobe segment; transform 0 means CMYK (stored inverted, as Photoshop does). */
    static byte[] adobeSegment(int transform) {
        byte[] payload = {'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, (byte) transform};
        return segment(0xee, payload);
    }

    /** A PNG signature, an IHDR with the given fields, one IDAT chunk and IEND. */
    static byte[] pngHeader(int width, int height, int bitDepth, int colourType, byte[] idat) {
        ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(width).putInt(height)
                .put((byte) bitDepth).put((byte) colourType).put((byte) 0).put((byte) 0).put((byte) 0);
        return concat(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'},
                chunk("IHDR", ihdr.array()), chunk("IDAT", idat), chunk("IEND", new byte[0]));
    }

    /** A PNG chunk with a correct CRC. */
    static byte[] chunk(String type, byte[] data) {
        byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
        CRC32 crc = new CRC32();
        crc.update(typeBytes);
        crc.update(data);
        return ByteBuffer.allocate(12 + data.length).putInt(data.length).put(typeBytes).put(data)
                .putInt((int) crc.getValue()).array();
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    /** Returns the pixel as {r, g, b}. */
    static int[] pixel(RgbImage image, int x, int y) {
        return new int[] {image.at(x, y, 0), image.at(x, y, 1), image.at(x, y, 2)};
    }
}
