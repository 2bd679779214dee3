package com.fmawsss.datasets;

import com.fmawsss.image.LabelMapPng;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/** Writes small datasets in the real on-disk layouts: label maps with known shapes, JPEGs, PNGs, XML. */
final class SyntheticDatasets {

    private SyntheticDatasets() {}

    /** A row-major label map under construction. */
    static final class Canvas {
        final int width;
        final int height;
        final int[] labels;

        Canvas(int width, int height) {
            this.width = width;
            this.height = height;
            this.labels = new int[width * height];
        }

        /** Fills {@code [x0, x1) x [y0, y1)}. */
        Canvas rect(int x0, int y0, int x1, int y1, int label) {
            for (int y = y0; y < y1; y++) {
                for (int x = x0; x < x1; x++) {
                    labels[y * width + x] = label;
                }
            }
            return this;
        }

        /** Fills pixels whose centre offset from (cx, cy) has squared length at most r². */
        Canvas disc(int cx, int cy, int r, int label) {
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    if ((x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r) {
                        labels[y * width + x] = label;
                    }
                }
            }
            return this;
        }

        long count(int label) {
            long n = 0;
            for (int l : labels) {
                n += l == label ? 1 : 0;
            }
            return n;
        }
    }

    /** Writes a JPEG whose colours follow the labels (any picture would do; sizes matter). */
    static void jpeg(Path file, Canvas canvas) {
        BufferedImage image = new BufferedImage(canvas.width, canvas.height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < canvas.height; y++) {
            for (int x = 0; x < canvas.width; x++) {
                int label = canvas.labels[y * canvas.width + x];
                image.setRGB(x, y, label == 0 ? 0x406080 : LabelMapPng.color(label));
            }
        }
        write(file, image, "jpg");
    }

    /** Writes the labels as a VOC palette PNG ({@code SegmentationClass}). */
    static void palettePng(Path file, Canvas canvas) {
        writeBytes(file, LabelMapPng.encode(canvas.labels, canvas.width, canvas.height));
    }

    /** Writes the labels as an 8-bit grey PNG ({@code SegmentationClassAug}). */
    static void greyPng(Path file, Canvas canvas) {
        BufferedImage image = new BufferedImage(canvas.width, canvas.height, BufferedImage.TYPE_BYTE_GRAY);
        image.getRaster().setSamples(0, 0, canvas.width, canvas.height, 0, canvas.labels);
        write(file, image, "png");
    }

    /** Writes a VOC annotation with the given object names (and a person-layout part). */
    static void vocXml(Path file, String id, List<String> objects) {
        StringBuilder xml = new StringBuilder("<annotation>\n  <folder>VOC2012</folder>\n  <filename>")
                .append(id).append(".jpg</filename>\n");
        for (String name : objects) {
            xml.append("  <object>\n    <name>").append(name).append("</name>\n    <difficult>0</difficult>\n")
                    .append("    <part><name>hand</name></part>\n  </object>\n");
        }
        xml.append("</annotation>\n");
        text(file, xml.toString());
    }

    static void text(Path file, String content) {
        writeBytes(file, content.getBytes(StandardCharsets.UTF_8));
    }

    static void writeBytes(Path file, byte[] bytes) {
        try {
            Files.createDirectories(file.getParent());
            Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(Path file, BufferedImage image, String format) {
        try {
            Files.createDirectories(file.getParent());
            if (!ImageIO.write(image, format, file.toFile())) {
                throw new IllegalStateException("no ImageIO writer for " + format);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
