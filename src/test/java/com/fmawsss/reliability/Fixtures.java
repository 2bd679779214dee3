package com.fmawsss.reliability;

import com.fmawsss.DemoBundleFixture;
import com.fmawsss.bundle.BundleVerifier;
import com.fmawsss.cam.SyntheticImages;
import com.fmawsss.image.ImageLimits;
import com.fmawsss.image.LabelMap;
import com.fmawsss.image.LabelMapPng;
import com.fmawsss.image.RgbImages;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/** Datasets, images and file checks shared by the reliability tests. */
public final class Fixtures {

    /** VOC labels used by the synthetic datasets: cat, dog, person. */
    private static final int[] CLASSES = {8, 12, 15};

    private Fixtures() {}

    /**
     * Writes a VOC-layout dataset (JPEGImages, SegmentationClass, ImageSets/Segmentation/train.txt)
     * of {@code count} synthetic images; image-level labels come from the masks.
     */
    public static void writeVoc(Path root, int count, long seed) throws IOException {
        Files.createDirectories(root.resolve("JPEGImages"));
        Files.createDirectories(root.resolve("SegmentationClass"));
        Files.createDirectories(root.resolve("ImageSets/Segmentation"));
        StringBuilder ids = new StringBuilder();
        for (int i = 0; i < count; i++) {
            String id = "img" + i;
            ImageIO.write(RgbImages.toBufferedImage(SyntheticImages.discs(64, 48, seed + i)), "jpeg",
                    root.resolve("JPEGImages/" + id + ".jpg").toFile());
            int[] labels = new int[64 * 48];
            int left = CLASSES[i % CLASSES.length];
            int right = CLASSES[(i + 1) % CLASSES.length];
            for (int p = 0; p < labels.length; p++) {
                labels[p] = (p % 64) < 32 ? left : right;
            }
            Files.write(root.resolve("SegmentationClass/" + id + ".png"), LabelMapPng.encode(labels, 64, 48));
            ids.append(id).append('\n');
        }
        Files.writeString(root.resolve("ImageSets/Segmentation/train.txt"), ids.toString());
    }

    /** A small synthetic PNG; different seeds give different bytes (superpixel-cache misses). */
    static byte[] png(long seed) {
        return SyntheticImages.discsPng(72, 56, seed);
    }

    /** CLIP text width of the demo bundle (learned prompt sets must match it). */
    static int demoTextWidth() {
        return new BundleVerifier().verify(DemoBundleFixture.dir()).clip().textWidth();
    }

    /**
     * Decodes a label PNG completely, with the service's decoder and with ImageIO.
     *
     * @throws AssertionError naming the file when either decoder refuses it or they disagree
     */
    public static LabelMap decodeLabelPng(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        LabelMap map;
        BufferedImage image;
        try {
            map = LabelMapPng.decode(bytes, ImageLimits.defaults());
            image = ImageIO.read(new ByteArrayInputStream(bytes));
        } catch (RuntimeException | IOException e) {
            throw new AssertionError(file + " is not a complete PNG (" + bytes.length + " bytes): " + e, e);
        }
        if (image == null || image.getWidth() != map.width() || image.getHeight() * map.width() != map.labels().length) {
            throw new AssertionError(file + " decodes inconsistently");
        }
        return map;
    }

    /** Every regular file under a directory, recursively (hidden ones included). */
    public static List<Path> filesUnder(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            return new ArrayList<>(walk.filter(Files::isRegularFile).sorted().toList());
        }
    }

    /** Temp files ({@code *.tmp}) under a directory. */
    static List<Path> tempFilesUnder(Path dir) throws IOException {
        return filesUnder(dir).stream().filter(p -> p.getFileName().toString().endsWith(".tmp")).toList();
    }
}
