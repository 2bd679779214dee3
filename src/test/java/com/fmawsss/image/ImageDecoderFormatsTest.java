package com.fmawsss.image;

import static com.fmawsss.image.TestImages.pixel;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.awt.color.ColorSpace;
import java.awt.color.ICC_Profile;
import java.awt.image.BufferedImage;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.EnumSet;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each supported format and colour type decodes to the expected 8-bit RGB values. */
class ImageDecoderFormatsTest {

    private final ImageDecoder decoder = new ImageDecoder();
    private final ImageLimits limits = ImageLimits.defaults();

    @Test
    void rgbPngIsExactAndReportsFileFacts() throws Exception {
        BufferedImage image = new BufferedImage(3, 2, BufferedImage.TYPE_INT_RGB);
        image.setRGB(0, 0, 0xff0000);
        image.setRGB(1, 0, 0x00ff00);
        image.setRGB(2, 1, 0x0a141e);
        byte[] png = TestImages.png(image);

        DecodedImage decoded = decoder.decode(png, limits);

        assertThat(decoded.format()).isEqualTo("png");
        assertThat(decoded.sha256()).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(png)));
        assertThat(decoded.originalWidth()).isEqualTo(3);
        assertThat(decoded.originalHeight()).isEqualTo(2);
        assertThat(decoded.exifOrientation()).isEqualTo(1);
        assertThat(pixel(decoded.image(), 0, 0)).containsExactly(255, 0, 0);
        assertThat(pixel(decoded.image(), 1, 0)).containsExactly(0, 255, 0);
        assertThat(pixel(decoded.image(), 2, 1)).containsExactly(10, 20, 30);
        assertThat(pixel(decoded.image(), 0, 1)).containsExactly(0, 0, 0);
    }

    @Test
    void greyPngKeepsTheGreyValues() {
        // Java2D's getRGB would turn grey 128 into 188 (it treats grey as linear); Pillow keeps 128.
        BufferedImage image = new BufferedImage(4, 2, BufferedImage.TYPE_BYTE_GRAY);
        image.getRaster().setSamples(0, 0, 4, 1, 0, new int[] {0, 37, 128, 255});

        RgbImage rgb = decoder.decode(TestImages.png(image), limits).image();

        assertThat(pixel(rgb, 0, 0)).containsExactly(0, 0, 0);
        assertThat(pixel(rgb, 1, 0)).containsExactly(37, 37, 37);
        assertThat(pixel(rgb, 2, 0)).containsExactly(128, 128, 128);
        assertThat(pixel(rgb, 3, 0)).containsExactly(255, 255, 255);
    }

    @Test
    void sixteenBitGreyPngKeepsTheHighByte() {
        BufferedImage image = new BufferedImage(4, 2, BufferedImage.TYPE_USHORT_GRAY);
        image.getRaster().setSamples(0, 0, 4, 1, 0, new int[] {0x0000, 0x12ff, 0x8000, 0xffff});
        byte[] png = TestImages.png(image);
        assertThat(png[24]).as("IHDR bit depth").isEqualTo((byte) 16);

        RgbImage rgb = decoder.decode(png, limits).image();

        assertThat(pixel(rgb, 0, 0)).containsExactly(0, 0, 0);
        assertThat(pixel(rgb, 1, 0)).containsExactly(0x12, 0x12, 0x12);
        assertThat(pixel(rgb, 2, 0)).containsExactly(0x80, 0x80, 0x80);
        assertThat(pixel(rgb, 3, 0)).containsExactly(255, 255, 255);
    }

    @Test
    void sixteenBitRgbPngKeepsTheHighBytes() {
        BufferedImage image = TestImages.rgb16(2, 2);
        image.getRaster().setPixel(0, 0, new int[] {0xffff, 0x8000, 0x01ff});
        image.getRaster().setPixel(1, 1, new int[] {0x7fff, 0x0000, 0xabcd});
        byte[] png = TestImages.png(image);
        assertThat(png[24]).as("IHDR bit depth").isEqualTo((byte) 16);
        assertThat(png[25]).as("IHDR colour type").isEqualTo((byte) 2);

        RgbImage rgb = decoder.decode(png, limits).image();

        assertThat(pixel(rgb, 0, 0)).containsExactly(255, 0x80, 0x01);
        assertThat(pixel(rgb, 1, 1)).containsExactly(0x7f, 0, 0xab);
    }

    @Test
    void alphaIsDroppedNotComposited() {
        BufferedImage image = new BufferedImage(3, 2, BufferedImage.TYPE_INT_ARGB);
        image.setRGB(0, 0, 0x000a141e); // fully transparent: colour still kept
        image.setRGB(1, 0, 0x80c86432); // half transparent
        image.setRGB(2, 0, 0xff0000ff);
        byte[] png = TestImages.png(image);
        assertThat(png[25]).as("IHDR colour type RGBA").isEqualTo((byte) 6);

        RgbImage rgb = decoder.decode(png, limits).image();

        assertThat(pixel(rgb, 0, 0)).containsExactly(10, 20, 30);
        assertThat(pixel(rgb, 1, 0)).containsExactly(200, 100, 50);
        assertThat(pixel(rgb, 2, 0)).containsExactly(0, 0, 255);
    }

    @Test
    void greyAlphaPngKeepsTheGreyValues() {
        BufferedImage image = TestImages.greyAlpha(2, 2);
        image.getRaster().setPixel(0, 0, new int[] {90, 0});
        image.getRaster().setPixel(1, 0, new int[] {200, 255});
        byte[] png = TestImages.png(image);
        assertThat(png[25]).as("IHDR colour type grey+alpha").isEqualTo((byte) 4);

        RgbImage rgb = decoder.decode(png, limits).image();

        assertThat(pixel(rgb, 0, 0)).containsExactly(90, 90, 90);
        assertThat(pixel(rgb, 1, 0)).containsExactly(200, 200, 200);
    }

    @Test
    void palettePngsMapIndicesToPaletteColours() {
        byte[] r = {(byte) 255, 0, 0, 7};
        byte[] g = {0, (byte) 255, 0, 8};
        byte[] b = {0, 0, (byte) 255, 9};
        byte[] alpha = {(byte) 255, (byte) 255, 0, (byte) 255};
        IndexColorModel palette = new IndexColorModel(8, 4, r, g, b, alpha);
        BufferedImage eightBit = new BufferedImage(4, 2, BufferedImage.TYPE_BYTE_INDEXED, palette);
        eightBit.getRaster().setSamples(0, 0, 4, 1, 0, new int[] {3, 2, 1, 0});
        IndexColorModel twoBitPalette = new IndexColorModel(2, 4, r, g, b);
        BufferedImage twoBit = new BufferedImage(4, 2, BufferedImage.TYPE_BYTE_BINARY, twoBitPalette);
        twoBit.getRaster().setSamples(0, 0, 4, 1, 0, new int[] {3, 2, 1, 0});

        for (BufferedImage image : new BufferedImage[] {eightBit, twoBit}) {
            byte[] png = TestImages.png(image);
            assertThat(png[25]).as("IHDR colour type palette").isEqualTo((byte) 3);

            RgbImage rgb = decoder.decode(png, limits).image();

            assertThat(pixel(rgb, 0, 0)).containsExactly(7, 8, 9);
            assertThat(pixel(rgb, 1, 0)).as("transparent entry keeps its colour").containsExactly(0, 0, 255);
            assertThat(pixel(rgb, 2, 0)).containsExactly(0, 255, 0);
            assertThat(pixel(rgb, 3, 0)).containsExactly(255, 0, 0);
            assertThat(pixel(rgb, 0, 1)).containsExactly(255, 0, 0);
        }
    }

    @Test
    void oneBitPngIsBlackAndWhite() {
        BufferedImage image = new BufferedImage(8, 2, BufferedImage.TYPE_BYTE_BINARY);
        image.getRaster().setSamples(0, 0, 8, 1, 0, new int[] {1, 0, 1, 1, 0, 0, 0, 1});

        RgbImage rgb = decoder.decode(TestImages.png(image), limits).image();

        assertThat(pixel(rgb, 0, 0)).containsExactly(255, 255, 255);
        assertThat(pixel(rgb, 1, 0)).containsExactly(0, 0, 0);
        assertThat(pixel(rgb, 7, 0)).containsExactly(255, 255, 255);
        assertThat(pixel(rgb, 7, 1)).containsExactly(0, 0, 0);
    }

    @Test
    void rgbJpegIsCloseToTheSourceColours() {
        int[][] colours = {{0xff0000, 0x00ff00}, {0x0000ff, 0x6496c8}};
        byte[] jpeg = TestImages.jpeg(TestImages.blocks(colours, 16));

        DecodedImage decoded = decoder.decode(jpeg, limits);

        assertThat(decoded.format()).isEqualTo("jpeg");
        assertThat(decoded.image().width()).isEqualTo(32);
        assertThat(decoded.image().height()).isEqualTo(32);
        assertClose(pixel(decoded.image(), 8, 8), 255, 0, 0);
        assertClose(pixel(decoded.image(), 24, 8), 0, 255, 0);
        assertClose(pixel(decoded.image(), 8, 24), 0, 0, 255);
        assertClose(pixel(decoded.image(), 24, 24), 100, 150, 200);
    }

    @Test
    void progressiveJpegDecodes() {
        int[][] colours = {{0x204060, 0xe0c0a0}};
        byte[] jpeg = TestImages.jpeg(TestImages.blocks(colours, 16), 0.95f, true);
        assertThat(JpegStructure.parse(jpeg).scans()).isGreaterThan(1);

        RgbImage rgb = decoder.decode(jpeg, limits).image();

        assertClose(pixel(rgb, 8, 8), 0x20, 0x40, 0x60);
        assertClose(pixel(rgb, 24, 8), 0xe0, 0xc0, 0xa0);
    }

    @Test
    void greyJpegKeepsTheGreyLevel() {
        BufferedImage image = new BufferedImage(16, 16, BufferedImage.TYPE_BYTE_GRAY);
        WritableRaster raster = image.getRaster();
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 16; x++) {
                raster.setSample(x, y, 0, x < 8 ? 100 : 30);
            }
        }
        byte[] jpeg = TestImages.jpeg(image);
        assertThat(JpegStructure.parse(jpeg).components()).isEqualTo(1);

        RgbImage rgb = decoder.decode(jpeg, limits).image();

        // getRGB's linear-grey conversion would give about 170 and 95 here.
        assertClose(pixel(rgb, 3, 8), 100, 100, 100);
        assertClose(pixel(rgb, 12, 8), 30, 30, 30);
        assertThat(pixel(rgb, 3, 8)[0]).isEqualTo(pixel(rgb, 3, 8)[1]).isEqualTo(pixel(rgb, 3, 8)[2]);
    }

    @Test
    void cmykJpegIsConvertedToRgb() {
        // 4-component JPEG with an Adobe marker: CMYK, stored inverted as Photoshop does.
        // Left block pure cyan, right block pure magenta+yellow (red), 8x8 blocks without subsampling.
        WritableRaster raster = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, 16, 8, 4, null);
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 16; x++) {
                int[] cmyk = x < 8 ? new int[] {255, 0, 0, 0} : new int[] {0, 255, 255, 0};
                raster.setPixel(x, y, new int[] {255 - cmyk[0], 255 - cmyk[1], 255 - cmyk[2], 255 - cmyk[3]});
            }
        }
        byte[] jpeg = TestImages.insertAfterSoi(TestImages.jpeg(raster, 1.0f), TestImages.adobeSegment(0));
        assertThat(JpegStructure.parse(jpeg).components()).isEqualTo(4);

        RgbImage rgb = decoder.decode(jpeg, limits).image();

        assertClose(pixel(rgb, 4, 4), 0, 255, 255);
        assertClose(pixel(rgb, 12, 4), 255, 0, 0);
    }

    @Test
    void jpegIccProfileIsIgnoredLikePillow() {
        // Converting through the linear-RGB profile would give about (168, 202, 229).
        byte[] plain = TestImages.jpeg(TestImages.blocks(new int[][] {{0x6496c8}}, 16));
        byte[] tagged = TestImages.insertAfterSoi(plain,
                TestImages.iccSegment(ICC_Profile.getInstance(ColorSpace.CS_LINEAR_RGB)));
        assertThat(JpegStructure.parse(tagged).iccSegments()).hasSize(1);

        RgbImage rgb = decoder.decode(tagged, limits).image();

        assertClose(pixel(rgb, 8, 8), 100, 150, 200);
        assertThat(rgb.rgb()).isEqualTo(decoder.decode(plain, limits).image().rgb());
    }

    @Test
    void webpLosslessIsExact() {
        DecodedImage decoded = decoder.decode(TestImages.webp(TestImages.WEBP_LOSSLESS), limits);

        assertThat(decoded.format()).isEqualTo("webp");
        assertThat(decoded.image().width()).isEqualTo(3);
        assertThat(decoded.image().height()).isEqualTo(2);
        assertThat(pixel(decoded.image(), 0, 0)).containsExactly(255, 0, 0);
        assertThat(pixel(decoded.image(), 1, 0)).containsExactly(0, 255, 0);
        assertThat(pixel(decoded.image(), 2, 0)).containsExactly(0, 0, 255);
        assertThat(pixel(decoded.image(), 0, 1)).containsExactly(255, 255, 255);
        assertThat(pixel(decoded.image(), 1, 1)).containsExactly(0, 0, 0);
        assertThat(pixel(decoded.image(), 2, 1)).containsExactly(10, 20, 30);
    }

    @Test
    void webpAlphaIsDropped() {
        RgbImage rgb = decoder.decode(TestImages.webp(TestImages.WEBP_LOSSLESS_ALPHA), limits).image();

        assertThat(pixel(rgb, 2, 0)).as("alpha 0").containsExactly(0, 0, 255);
        assertThat(pixel(rgb, 0, 1)).as("alpha 0").containsExactly(255, 255, 255);
        assertThat(pixel(rgb, 2, 1)).containsExactly(10, 20, 30);
    }

    @Test
    void webpLossyIsCloseToTheSourceColour() {
        RgbImage rgb = decoder.decode(TestImages.webp(TestImages.WEBP_LOSSY), limits).image();

        assertThat(rgb.width()).isEqualTo(16);
        assertClose(pixel(rgb, 5, 5), 200, 100, 50);
    }

    @Test
    void webpIccProfileIsIgnoredLikePillow() {
        RgbImage rgb = decoder.decode(TestImages.webp(TestImages.WEBP_ICC), limits).image();

        assertThat(pixel(rgb, 3, 3)).containsExactly(100, 150, 200);
    }

    @Test
    void animatedWebpGivesItsFirstFrame() {
        RgbImage rgb = decoder.decode(TestImages.webp(TestImages.WEBP_ANIMATED), limits).image();

        assertThat(rgb.width()).isEqualTo(4);
        assertThat(pixel(rgb, 2, 2)).containsExactly(255, 0, 0);
    }

    @Test
    void webpCanBeDisabledWithAPreciseMessage() {
        ImageDecoder withoutWebp = new ImageDecoder(EnumSet.of(ImageFormat.PNG, ImageFormat.JPEG));

        assertThat(withoutWebp.supportedFormats()).containsExactly("png", "jpeg");
        assertThat(decoder.supportedFormats()).containsExactly("png", "jpeg", "webp");
        assertThatThrownBy(() -> withoutWebp.decode(TestImages.webp(TestImages.WEBP_LOSSLESS), limits))
                .isInstanceOfSatisfying(ImageDecodeException.class, e -> {
                    assertThat(e.kind()).isEqualTo(ImageDecodeException.Kind.UNSUPPORTED_MEDIA_TYPE);
                    assertThat(e.getMessage()).isEqualTo(
                            "WebP images are not supported by this build; send a PNG or JPEG image.");
                });
    }

    @Test
    void fileNameDoesNotMatterOnlyTheBytes(@TempDir Path dir) throws IOException {
        Path renamed = dir.resolve("photo.png");
        Files.write(renamed, TestImages.jpeg(TestImages.blocks(new int[][] {{0x336699}}, 16)));

        DecodedImage decoded = decoder.decode(Files.readAllBytes(renamed), limits);

        assertThat(decoded.format()).isEqualTo("jpeg");
        assertClose(pixel(decoded.image(), 8, 8), 0x33, 0x66, 0x99);
    }

    @Test
    void photosDecodeLikeThePlainImageIoPathThatIsCheckedAgainstPillow() throws Exception {
        // PilResizeTest bounds RgbImages.of(ImageIO.read(...)) against Pillow; we must agree with it.
        for (String name : new String[] {"astronaut", "chelsea"}) {
            byte[] bytes;
            try (var in = getClass().getResourceAsStream("/photos/" + name + ".jpg")) {
                bytes = in.readAllBytes();
            }
            assertThat(decoder.decode(bytes, limits).image().rgb()).as(name).isEqualTo(PilResizeTest.photo(name).rgb());
        }
    }

    private static void assertClose(int[] actual, int r, int g, int b) {
        assertThat(actual[0]).as("red of %s", java.util.Arrays.toString(actual)).isCloseTo(r, within(6));
        assertThat(actual[1]).as("green of %s", java.util.Arrays.toString(actual)).isCloseTo(g, within(6));
        assertThat(actual[2]).as("blue of %s", java.util.Arrays.toString(actual)).isCloseTo(b, within(6));
    }
}
