package com.fmawsss.image;

import static com.fmawsss.image.ImageDecoderRejectionTest.refused;
import static com.fmawsss.image.TestImages.pixel;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fmawsss.image.ImageDecodeException.Kind;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** VOC-palette label map PNGs: round trip, palette colours, accepted inputs, overlay. */
class LabelMapPngTest {

    private final ImageLimits limits = ImageLimits.defaults();

    @Test
    void roundTripKeepsLabelsAndWritesAVocPalettePng() {
        int width = 13;
        int height = 7;
        int[] labels = new SplittableRandom(11).ints(width * height, 0, 21).toArray();
        labels[0] = 0;
        labels[1] = 1;
        labels[2] = 15;
        labels[3] = 255;

        byte[] png = LabelMapPng.encode(labels, width, height);

        assertThat(png[24]).as("IHDR bit depth").isEqualTo((byte) 8);
        assertThat(png[25]).as("IHDR colour type palette").isEqualTo((byte) 3);
        assertThat(LabelMapPng.decode(png, limits)).isEqualTo(new LabelMap(width, height, labels));
        byte[] plte = chunkData(png, "PLTE");
        assertThat(plte).hasSize(256 * 3);
        assertThat(paletteEntry(plte, 0)).containsExactly(0, 0, 0);
        assertThat(paletteEntry(plte, 1)).containsExactly(128, 0, 0);
        assertThat(paletteEntry(plte, 15)).containsExactly(192, 128, 128);
        assertThat(paletteEntry(plte, 255)).containsExactly(224, 224, 192);
        // The same file seen as a picture shows the VOC colours.
        RgbImage picture = new ImageDecoder().decode(png, limits).image();
        assertThat(pixel(picture, 0, 0)).containsExactly(0, 0, 0);
        assertThat(pixel(picture, 1, 0)).containsExactly(128, 0, 0);
        assertThat(pixel(picture, 2, 0)).containsExactly(192, 128, 128);
        assertThat(pixel(picture, 3, 0)).containsExactly(224, 224, 192);
    }

    @Test
    void paletteIsVocs() {
        assertThat(LabelMapPng.color(0)).isEqualTo(0x000000);
        assertThat(LabelMapPng.color(1)).isEqualTo(0x800000); // aeroplane
        assertThat(LabelMapPng.color(2)).isEqualTo(0x008000); // bicycle
        assertThat(LabelMapPng.color(3)).isEqualTo(0x808000); // bird
        assertThat(LabelMapPng.color(7)).isEqualTo(0x808080); // car
        assertThat(LabelMapPng.color(15)).isEqualTo(0xc08080); // person
        assertThat(LabelMapPng.color(20)).isEqualTo(0x004080); // tvmonitor
        assertThat(LabelMapPng.color(255)).isEqualTo(0xe0e0c0); // ignore
        assertThatThrownBy(() -> LabelMapPng.color(256)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void greyAndNarrowPalettePngsDecodeToTheirRawValues() {
        BufferedImage grey = new BufferedImage(4, 2, BufferedImage.TYPE_BYTE_GRAY);
        grey.getRaster().setSamples(0, 0, 4, 2, 0, new int[] {0, 1, 20, 255, 3, 3, 0, 0});
        byte[] zero = new byte[16];
        IndexColorModel fourBit = new IndexColorModel(4, 16, zero, zero, zero); // colours irrelevant
        BufferedImage narrow = new BufferedImage(4, 2, BufferedImage.TYPE_BYTE_BINARY, fourBit);
        narrow.getRaster().setSamples(0, 0, 4, 2, 0, new int[] {0, 1, 15, 7, 3, 3, 0, 0});

        assertThat(LabelMapPng.decode(TestImages.png(grey), limits).labels()).containsExactly(0, 1, 20, 255, 3, 3, 0, 0);
        assertThat(LabelMapPng.decode(TestImages.png(narrow), limits).labels()).containsExactly(0, 1, 15, 7, 3, 3, 0, 0);
    }

    @Test
    void nonLabelImagesAreRefused() {
        byte[] rgbPng = TestImages.png(new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB));
        byte[] grey16 = TestImages.png(new BufferedImage(4, 4, BufferedImage.TYPE_USHORT_GRAY));
        byte[] jpeg = TestImages.jpeg(new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY));
        byte[] huge = TestImages.pngHeader(20000, 20000, 8, 3, new byte[] {0x78, 0x01});
        byte[] valid = LabelMapPng.encode(new int[16], 4, 4);
        byte[] truncated = Arrays.copyOf(valid, valid.length - 20);

        ImageDecodeException rgb = refused(() -> LabelMapPng.decode(rgbPng, limits));
        assertThat(rgb.kind()).isEqualTo(Kind.UNSUPPORTED_VARIANT);
        assertThat(rgb.getMessage()).isEqualTo(
                "Label maps must be 8-bit palette or greyscale PNGs; this PNG has colour type 2 at 8 bits.");
        assertThat(refused(() -> LabelMapPng.decode(grey16, limits)).kind()).isEqualTo(Kind.UNSUPPORTED_VARIANT);
        ImageDecodeException notPng = refused(() -> LabelMapPng.decode(jpeg, limits));
        assertThat(notPng.kind()).isEqualTo(Kind.UNSUPPORTED_MEDIA_TYPE);
        assertThat(notPng.getMessage()).isEqualTo("Label maps must be PNG images (lossy JPEG would alter the labels).");
        assertThat(refused(() -> LabelMapPng.decode(huge, limits)).kind()).isEqualTo(Kind.TOO_MANY_PIXELS);
        assertThat(refused(() -> LabelMapPng.decode(truncated, limits)).kind()).isEqualTo(Kind.CORRUPT);
        assertThat(refused(() -> LabelMapPng.decode(valid, limits.withMaxBytes(10))).kind()).isEqualTo(Kind.TOO_MANY_BYTES);
    }

    @Test
    void encodeValidatesItsInput() {
        assertThatThrownBy(() -> LabelMapPng.encode(new int[] {0, 256}, 2, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LabelMapPng.encode(new int[] {0, -1}, 2, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LabelMapPng.encode(new int[3], 2, 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void overlayBlendsLabelColoursAndLeavesBackgroundAlone() {
        byte[] rgb = new byte[3 * 3];
        Arrays.fill(rgb, (byte) 100);
        RgbImage image = new RgbImage(3, 1, rgb);
        int[] labels = {0, 1, 255};

        RgbImage half = LabelMapPng.overlay(image, labels, 0.5);

        assertThat(pixel(half, 0, 0)).containsExactly(100, 100, 100);
        assertThat(pixel(half, 1, 0)).containsExactly(114, 50, 50); // (100 + 128) / 2, 100 / 2, 100 / 2
        assertThat(pixel(half, 2, 0)).containsExactly(162, 162, 146);
        assertThat(LabelMapPng.overlay(image, labels, 0.0).rgb()).isEqualTo(rgb);
        assertThat(pixel(LabelMapPng.overlay(image, labels, 1.0), 1, 0)).containsExactly(128, 0, 0);
        assertThatThrownBy(() -> LabelMapPng.overlay(image, labels, 1.5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LabelMapPng.overlay(image, new int[2], 0.5)).isInstanceOf(IllegalArgumentException.class);
    }

    private static byte[] chunkData(byte[] png, String type) {
        ByteBuffer buffer = ByteBuffer.wrap(png);
        int pos = 8;
        while (pos < png.length) {
            int length = buffer.getInt(pos);
            if (new String(png, pos + 4, 4, StandardCharsets.US_ASCII).equals(type)) {
                return Arrays.copyOfRange(png, pos + 8, pos + 8 + length);
            }
            pos += 12 + length;
        }
        throw new AssertionError("no " + type + " chunk");
    }

    private static int[] paletteEntry(byte[] plte, int index) {
        return new int[] {plte[index * 3] & 0xff, plte[index * 3 + 1] & 0xff, plte[index * 3 + 2] & 0xff};
    }
}
