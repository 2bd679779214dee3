package com.fmawsss.image;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Objects;
import javax.imageio.ImageIO;

/**
 * Label maps as PNG, the PASCAL VOC way: 8-bit indexed PNGs whose pixel values are the labels and
 * whose palette is VOC's (so the files display as the familiar colour masks), plus a colour
 * overlay for pictures.
 */
public final class LabelMapPng {

    private static final int PALETTE_SIZE = 256;
    private static final byte[] RED = new byte[PALETTE_SIZE];
    private static final byte[] GREEN = new byte[PALETTE_SIZE];
    private static final byte[] BLUE = new byte[PALETTE_SIZE];

    static {
        // VOC's bitget palette: bits 0, 1, 2 of the label feed the top bits of R, G, B, then the
        // next three bits the next lower bits, and so on. 255 comes out as (224, 224, 192).
        for (int label = 0; label < PALETTE_SIZE; label++) {
            int r = 0;
            int g = 0;
            int b = 0;
            int c = label;
            for (int j = 0; j < 8; j++) {
                r |= (c & 1) << (7 - j);
                g |= ((c >> 1) & 1) << (7 - j);
                b |= ((c >> 2) & 1) << (7 - j);
                c >>= 3;
            }
            RED[label] = (byte) r;
            GREEN[label] = (byte) g;
            BLUE[label] = (byte) b;
        }
    }

    private static final IndexColorModel VOC_PALETTE = new IndexColorModel(8, PALETTE_SIZE, RED, GREEN, BLUE);

    private LabelMapPng() {}

    /**
     * Returns the VOC palette colour of a label.
     *
     * @param label 0-255
     * @return {@code 0xRRGGBB}
     */
    public static int color(int label) {
        if (label < 0 || label >= PALETTE_SIZE) {
            throw new IllegalArgumentException("labels must be 0-255, got " + label);
        }
        return (RED[label] & 0xff) << 16 | (GREEN[label] & 0xff) << 8 | (BLUE[label] & 0xff);
    }

    /**
     * Encodes a label map as an 8-bit indexed PNG with the VOC palette.
     *
     * @param labels row-major labels 0-255
     * @param width columns
     * @param height rows
     * @return the PNG bytes
     */
    public static byte[] encode(int[] labels, int width, int height) {
        LabelMap map = new LabelMap(width, height, labels); // validates size and range
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_INDEXED, VOC_PALETTE);
        image.getRaster().setSamples(0, 0, width, height, 0, map.labels());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, "png", out)) {
                throw new IllegalStateException("no ImageIO PNG writer");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory cannot fail", e);
        }
        return out.toByteArray();
    }

    /**
     * Decodes a label map from an 8-bit (or narrower) palette or greyscale PNG: palette indices or
     * grey values are the labels; the palette's colours are irrelevant.
     *
     * @param bytes the uploaded file
     * @param limits size and pixel limits
     * @return the labels
     * @throws ImageDecodeException when the upload is not such a PNG or is corrupt
     */
    public static LabelMap decode(byte[] bytes, ImageLimits limits) {
        Objects.requireNonNull(bytes, "bytes");
        Objects.requireNonNull(limits, "limits");
        ImageDecoder.checkSize(bytes, limits);
        ImageFormat format = FormatSniffer.sniff(bytes);
        if (format != ImageFormat.PNG) {
            throw new ImageDecodeException(ImageDecodeException.Kind.UNSUPPORTED_MEDIA_TYPE,
                    "Label maps must be PNG images (lossy " + format.displayName() + " would alter the labels).");
        }
        PngStructure header = PngStructure.parse(bytes);
        boolean indexed = header.colorType() == PngStructure.PALETTE || header.colorType() == PngStructure.GREY;
        if (!indexed || header.bitDepth() > 8) {
            throw new ImageDecodeException(ImageDecodeException.Kind.UNSUPPORTED_VARIANT,
                    "Label maps must be 8-bit palette or greyscale PNGs; this PNG has colour type "
                            + header.colorType() + " at " + header.bitDepth() + " bits.");
        }
        return ImageIoSupport.read(bytes, "png", "PNG", limits, LabelMapPng::labelsOf);
    }

    /**
     * Blends the VOC colours of the labels over an image; background (label 0) stays unchanged.
     *
     * @param image the picture
     * @param labels row-major labels 0-255, one per pixel of {@code image}
     * @param opacity weight of the label colour, 0 (image only) to 1 (colour only)
     * @return the blended picture
     */
    public static RgbImage overlay(RgbImage image, int[] labels, double opacity) {
        Objects.requireNonNull(image, "image");
        if (!(opacity >= 0.0 && opacity <= 1.0)) {
            throw new IllegalArgumentException("opacity must be within [0, 1], got " + opacity);
        }
        LabelMap map = new LabelMap(image.width(), image.height(), labels);
        byte[] src = image.rgb();
        byte[] out = src.clone();
        for (int i = 0; i < map.labels().length; i++) {
            int label = map.labels()[i];
            if (label == 0) {
                continue;
            }
            int colour = color(label);
            for (int c = 0; c < 3; c++) {
                int paint = (colour >> (16 - 8 * c)) & 0xff;
                out[i * 3 + c] = (byte) Math.round((1.0 - opacity) * (src[i * 3 + c] & 0xff) + opacity * paint);
            }
        }
        return new RgbImage(image.width(), image.height(), out);
    }

    /** Raw band-0 samples: palette indices for indexed images, grey values for grey ones. */
    private static LabelMap labelsOf(BufferedImage image) {
        Raster raster = image.getRaster();
        int[] labels = raster.getSamples(0, 0, image.getWidth(), image.getHeight(), 0, (int[]) null);
        return new LabelMap(image.getWidth(), image.getHeight(), labels);
    }
}
