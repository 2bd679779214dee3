package com.fmawsss.image;

import static org.assertj.core.api.Assertions.assertThat;

import com.fmawsss.PythonReference;
import com.fmawsss.tensors.Npy;
import com.fmawsss.tensors.NpyArray;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Java resizing vs. Pillow on the same decoded pixels (exact), and JPEG decoding vs. Pillow. */
class PilResizeTest {

    private static final String[] PHOTOS = {"astronaut", "chelsea", "coffee", "rocket"};

    static RgbImage photo(String name) throws IOException {
        try (InputStream in = PilResizeTest.class.getResourceAsStream("/photos/" + name + ".jpg")) {
            return RgbImages.of(ImageIO.read(in));
        }
    }

    private record Case(String id, RgbImage source, int width, int height, PilResize.Filter filter) {}

    private static void writeCase(Path dir, Case c) throws IOException {
        Files.write(dir.resolve(c.id() + ".npy"), Npy.write(NpyArray.ofUint8(c.source().rgb(), c.source().height(), c.source().width(), 3)));
        Files.writeString(dir.resolve(c.id() + ".resize.json"), "{\"id\": \"" + c.id() + "\", \"input\": \"" + c.id()
                + ".npy\", \"width\": " + c.width() + ", \"height\": " + c.height() + ", \"filter\": \""
                + c.filter().name().toLowerCase() + "\"}");
    }

    @Test
    void resizeIsBitIdenticalToPillow(@TempDir Path dir) throws IOException {
        List<Case> cases = new ArrayList<>();
        int n = 0;
        for (String name : PHOTOS) {
            RgbImage image = photo(name);
            // CLIP stretch to multiples of 16, SAM longest side 1024, strong downscale, odd sizes.
            int[][] targets = {
                {(image.width() + 15) / 16 * 16, (image.height() + 15) / 16 * 16},
                {image.width() * 1024 / Math.max(image.width(), image.height()), image.height() * 1024 / Math.max(image.width(), image.height())},
                {37, 53},
                {image.width(), image.height() + 7},
            };
            for (int[] t : targets) {
                for (PilResize.Filter filter : PilResize.Filter.values()) {
                    cases.add(new Case("r" + n++, image, t[0], t[1], filter));
                }
            }
        }
        SplittableRandom random = new SplittableRandom(3);
        byte[] noise = new byte[23 * 17 * 3];
        random.nextBytes(noise);
        cases.add(new Case("r" + n++, new RgbImage(23, 17, noise), 96, 64, PilResize.Filter.BICUBIC));
        cases.add(new Case("r" + n, new RgbImage(23, 17, noise), 5, 3, PilResize.Filter.BILINEAR));
        for (Case c : cases) {
            writeCase(dir, c);
        }
        PythonReference.run("models/reference/image_reference.py", "--cases", dir.toString());
        for (Case c : cases) {
            NpyArray expected = Npy.read(Files.readAllBytes(dir.resolve(c.id() + ".ref.npy")), 50_000_000);
            RgbImage actual = PilResize.resize(c.source(), c.width(), c.height(), c.filter());
            assertThat(expected.shape()).containsExactly(c.height(), c.width(), 3);
            assertThat(actual.rgb()).as("%s %dx%d -> %dx%d %s", c.id(), c.source().width(), c.source().height(),
                    c.width(), c.height(), c.filter()).isEqualTo(expected.bytes());
        }
    }

    @Test
    void javaJpegDecodingIsWithinOneLevelOfPillowOnAverage(@TempDir Path dir) throws IOException {
        Path photos = Path.of("src/test/resources/photos").toAbsolutePath();
        for (String name : PHOTOS) {
            Files.writeString(dir.resolve(name + ".decode.json"),
                    "{\"id\": \"" + name + "\", \"image\": \"" + photos.resolve(name + ".jpg") + "\"}");
        }
        PythonReference.run("models/reference/image_reference.py", "--cases", dir.toString());
        for (String name : PHOTOS) {
            byte[] pil = Npy.read(Files.readAllBytes(dir.resolve(name + ".ref.npy")), 50_000_000).bytes();
            byte[] java = photo(name).rgb();
            assertThat(java.length).isEqualTo(pil.length);
            double sum = 0;
            for (int i = 0; i < pil.length; i++) {
                sum += Math.abs((pil[i] & 0xff) - (java[i] & 0xff));
            }
            System.out.printf("%s: mean |Java - Pillow| = %.3f levels%n", name, sum / pil.length);
            // Different IDCT / chroma upsampling implementations; documented in docs/preprocessing.md.
            assertThat(sum / pil.length).as("mean |Java - Pillow| of %s in 0-255 levels", name).isLessThanOrEqualTo(1.0);
        }
    }

    @Test
    void unchangedSizeReturnsTheSourceAndConstantImagesStayConstant() {
        byte[] grey = new byte[10 * 7 * 3];
        java.util.Arrays.fill(grey, (byte) 77);
        RgbImage image = new RgbImage(10, 7, grey);
        assertThat(PilResize.resize(image, 10, 7, PilResize.Filter.BICUBIC)).isSameAs(image);
        for (PilResize.Filter filter : PilResize.Filter.values()) {
            assertThat(PilResize.resize(image, 33, 4, filter).rgb()).containsOnly((byte) 77);
        }
    }
}
