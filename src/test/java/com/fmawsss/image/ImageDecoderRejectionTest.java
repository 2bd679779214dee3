package com.fmawsss.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fmawsss.image.ImageDecodeException.Kind;
import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Bad uploads are refused with the right kind and a precise message. */
class ImageDecoderRejectionTest {

    private final ImageDecoder decoder = new ImageDecoder();
    private final ImageLimits limits = ImageLimits.defaults();

    @Test
    void emptyUploadIsUnsupportedMediaType() {
        ImageDecodeException e = refused(() -> decoder.decode(new byte[0], limits));

        assertThat(e.kind()).isEqualTo(Kind.UNSUPPORTED_MEDIA_TYPE);
        assertThat(e.getMessage()).isEqualTo("The upload is empty; send a PNG, JPEG or WebP image.");
    }

    @Test
    void randomBytesAreUnsupportedMediaType() {
        SplittableRandom random = new SplittableRandom(7);
        for (int length : new int[] {1, 2, 3, 16, 1000}) {
            byte[] noise = new byte[length];
            random.nextBytes(noise);
            noise[0] = 0x42; // keep the seeded noise from starting like a JPEG by chance

            ImageDecodeException e = refused(() -> decoder.decode(noise, limits));

            assertThat(e.kind()).isEqualTo(Kind.UNSUPPORTED_MEDIA_TYPE);
            assertThat(e.getMessage()).contains("not a PNG, JPEG or WebP image");
        }
    }

    @Test
    void otherImageFormatsAreNamed() {
        BufferedImage image = TestImages.blocks(new int[][] {{0x123456}}, 4);

        ImageDecodeException gif = refused(() -> decoder.decode(TestImages.write(image, "gif"), limits));
        ImageDecodeException bmp = refused(() -> decoder.decode(TestImages.write(image, "bmp"), limits));

        assertThat(gif.kind()).isEqualTo(Kind.UNSUPPORTED_MEDIA_TYPE);
        assertThat(gif.getMessage()).isEqualTo("The upload is a GIF image; only PNG, JPEG and WebP are accepted.");
        assertThat(bmp.getMessage()).contains("BMP");
    }

    @Test
    void everyTruncationOfAPngIsCorrupt() {
        byte[] png = TestImages.png(TestImages.blocks(new int[][] {{0xff0000, 0x00ff00}, {0x0000ff, 0xffffff}}, 5));
        for (int length = 8; length < png.length; length++) {
            byte[] prefix = Arrays.copyOf(png, length);

            ImageDecodeException e = refused(() -> decoder.decode(prefix, limits));

            assertThat(e.kind()).as("prefix of %d bytes", length).isEqualTo(Kind.CORRUPT);
            assertThat(e.getMessage()).as("prefix of %d bytes", length).contains("PNG data is");
        }
    }

    @Test
    void everyTruncationOfAJpegIsCorrupt() {
        byte[] jpeg = TestImages.insertAfterSoi(TestImages.jpeg(TestImages.blocks(new int[][] {{0xff0000, 0x00ff00}}, 16)),
                TestImages.exifSegment(6, true));
        for (int length = 3; length < jpeg.length; length++) {
            byte[] prefix = Arrays.copyOf(jpeg, length);

            ImageDecodeException e = refused(() -> decoder.decode(prefix, limits));

            assertThat(e.kind()).as("prefix of %d bytes", length).isEqualTo(Kind.CORRUPT);
            assertThat(e.getMessage()).as("prefix of %d bytes", length).startsWith("The JPEG data is");
        }
    }

    @Test
    void everyTruncationOfAWebpIsCorrupt() {
        byte[] webp = TestImages.webp(TestImages.WEBP_LOSSY);
        for (int length = 12; length < webp.length; length++) {
            byte[] prefix = Arrays.copyOf(webp, length);

            ImageDecodeException e = refused(() -> decoder.decode(prefix, limits));

            assertThat(e.kind()).as("prefix of %d bytes", length).isEqualTo(Kind.CORRUPT);
        }
    }

    @Test
    void webpDecoderReadingPastTheEndIsStoppedAsCorrupt() {
        // Found by the mutation loop: two flipped bits in a lossless WebP made TwelveMonkeys' bit
        // reader serve stale bits past the end forever (an endless transform loop).
        byte[] spinning = Base64.getDecoder().decode("UklGRkYAAABXRUJQVlA4TDkAAAAvAkAAEC8gEGCI8J9qA0zaJn3n3+8Ism06kftbniDbZmgb"
                + "2dEfOB/qpLFtUMg2Ahy6F+jOLqL/cawA");

        ImageDecodeException e = assertTimeoutPreemptively(Duration.ofMinutes(1), () -> refused(() -> decoder.decode(spinning, limits)));

        assertThat(e.kind()).isEqualTo(Kind.CORRUPT);
        assertThat(e.getMessage()).isEqualTo("The WebP data is corrupt and could not be decoded"
                + " (the decoder kept reading past the end of the data).");
    }

    @Test
    void corruptPixelDataIsCorrupt() {
        byte[] png = TestImages.pngHeader(4, 4, 8, 2, new byte[] {1, 2, 3, 4, 5});

        ImageDecodeException e = refused(() -> decoder.decode(png, limits));

        assertThat(e.kind()).isEqualTo(Kind.CORRUPT);
        assertThat(e.getMessage()).startsWith("The PNG data is corrupt and could not be decoded");
    }

    @Test
    void chunkLongerThanTheUploadIsCorruptWithoutAllocatingIt() {
        byte[] png = TestImages.png(TestImages.blocks(new int[][] {{0x808080}}, 4));
        ByteBuffer.wrap(png).putInt(33, 0x7ffffff0); // the chunk after IHDR claims ~2 GB

        ImageDecodeException e = refused(() -> decoder.decode(png, limits));

        assertThat(e.kind()).isEqualTo(Kind.CORRUPT);
        assertThat(e.getMessage()).contains("declares 2147483632 bytes");
    }

    @Test
    void tinyImagesAreTooSmallAndTheMinimumIsAParameter() {
        byte[] onePixel = TestImages.png(new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB));
        byte[] oneRow = TestImages.png(new BufferedImage(5, 1, BufferedImage.TYPE_INT_RGB));
        byte[] threeByThree = TestImages.png(new BufferedImage(3, 3, BufferedImage.TYPE_INT_RGB));

        ImageDecodeException e = refused(() -> decoder.decode(onePixel, limits));
        assertThat(e.kind()).isEqualTo(Kind.TOO_SMALL);
        assertThat(e.getMessage()).isEqualTo("The image is 1x1; width and height must be at least 2 pixels.");
        assertThat(refused(() -> decoder.decode(oneRow, limits)).kind()).isEqualTo(Kind.TOO_SMALL);
        assertThat(refused(() -> decoder.decode(threeByThree, limits.withMinSide(4))).kind()).isEqualTo(Kind.TOO_SMALL);
        assertThat(decoder.decode(onePixel, limits.withMinSide(1)).image().width()).isEqualTo(1);
        assertThat(decoder.decode(threeByThree, limits).image().width()).isEqualTo(3);
    }

    @Test
    void hugeDeclaredPngIsRejectedFromTheHeader() {
        // 20000x20000 RGB would need 1.2 GB; the IDAT is 3 bytes and not even valid zlib.
        byte[] png = TestImages.pngHeader(20000, 20000, 8, 2, new byte[] {0x78, 0x01, 0x00});
        assertThat(png.length).isLessThan(100);

        ImageDecodeException e = refused(() -> decoder.decode(png, limits));

        assertThat(e.kind()).isEqualTo(Kind.TOO_MANY_PIXELS);
        assertThat(e.getMessage())
                .isEqualTo("The image is 20000x20000 (400000000 pixels); at most 40000000 pixels are accepted.");
    }

    @Test
    void hugeDeclaredJpegIsRejectedFromTheHeader() {
        byte[] jpeg = TestImages.jpeg(TestImages.blocks(new int[][] {{0x336699}}, 16));
        int sof = markerOffset(jpeg, 0xc0);
        ByteBuffer.wrap(jpeg).putShort(sof + 5, (short) 30000).putShort(sof + 7, (short) 30000);

        ImageDecodeException e = refused(() -> decoder.decode(jpeg, limits));

        assertThat(e.kind()).isEqualTo(Kind.TOO_MANY_PIXELS);
        assertThat(e.getMessage()).startsWith("The image is 30000x30000 (900000000 pixels)");
    }

    @Test
    void hugeDeclaredWebpIsRejectedFromTheHeader() {
        byte[] webp = TestImages.webp(TestImages.WEBP_ICC);
        // VP8X payload at 20: flags, 3 reserved bytes, canvas width-1 and height-1 as 24-bit LE.
        for (int i = 0; i < 2; i++) {
            int at = 24 + 3 * i;
            webp[at] = (byte) (19999 & 0xff);
            webp[at + 1] = (byte) (19999 >> 8);
            webp[at + 2] = 0;
        }

        ImageDecodeException e = refused(() -> decoder.decode(webp, limits));

        assertThat(e.kind()).isEqualTo(Kind.TOO_MANY_PIXELS);
        assertThat(e.getMessage()).startsWith("The image is 20000x20000");
    }

    @Test
    void pixelLimitIsAParameter() {
        byte[] png = TestImages.png(new BufferedImage(10, 10, BufferedImage.TYPE_INT_RGB));

        assertThat(refused(() -> decoder.decode(png, limits.withMaxPixels(99))).kind()).isEqualTo(Kind.TOO_MANY_PIXELS);
        assertThat(decoder.decode(png, limits.withMaxPixels(100)).image().height()).isEqualTo(10);
    }

    @Test
    void uploadAboveTheByteLimitIsRefusedBeforeSniffing() {
        byte[] noise = new byte[101];

        ImageDecodeException e = refused(() -> decoder.decode(noise, limits.withMaxBytes(100)));

        assertThat(e.kind()).isEqualTo(Kind.TOO_MANY_BYTES);
        assertThat(e.getMessage()).isEqualTo("The upload has 101 bytes; at most 100 are accepted.");
    }

    @Test
    void jpegVariantsWeCannotDecodeAreNamed() {
        byte[] jpeg = TestImages.jpeg(TestImages.blocks(new int[][] {{0x336699}}, 16));
        int sof = markerOffset(jpeg, 0xc0);

        byte[] arithmetic = jpeg.clone();
        arithmetic[sof + 1] = (byte) 0xc9;
        byte[] lossless = jpeg.clone();
        lossless[sof + 1] = (byte) 0xc3;
        byte[] twelveBit = jpeg.clone();
        twelveBit[sof + 4] = 12;
        byte[] dnl = jpeg.clone();
        ByteBuffer.wrap(dnl).putShort(sof + 5, (short) 0);

        assertVariant(arithmetic, "Arithmetic-coded JPEG (SOF9) is not supported by this build");
        assertVariant(lossless, "Lossless JPEG (SOF3) is not supported by this build");
        assertVariant(twelveBit, "12-bit JPEG is not supported by this build");
        assertVariant(dnl, "JPEG whose height is defined by a DNL marker is not supported by this build");
    }

    @Test
    void jpegWithTooManyScansIsRefusedBeforeDecoding() {
        byte[] jpeg = TestImages.jpeg(TestImages.blocks(new int[][] {{0x336699}}, 16));
        byte[] scan = {(byte) 0xff, (byte) 0xda, 0, 8, 1, 1, 0, 0, 0x3f, 0, 0x12, 0x34};
        byte[] extraScans = new byte[scan.length * ImageDecoder.MAX_JPEG_SCANS];
        for (int i = 0; i < ImageDecoder.MAX_JPEG_SCANS; i++) {
            System.arraycopy(scan, 0, extraScans, i * scan.length, scan.length);
        }
        byte[] bomb = TestImages.concat(Arrays.copyOf(jpeg, jpeg.length - 2), extraScans, new byte[] {(byte) 0xff, (byte) 0xd9});

        assertVariant(bomb, "Progressive JPEG with 101 scans (at most 100) is not supported by this build");
    }

    @Test
    void kindsHaveStableSlugsAndStatuses() {
        assertThat(Kind.TOO_MANY_PIXELS.slug()).isEqualTo("too-many-pixels");
        assertThat(Kind.UNSUPPORTED_MEDIA_TYPE.httpStatus()).isEqualTo(415);
        assertThat(Kind.TOO_MANY_BYTES.httpStatus()).isEqualTo(413);
        assertThat(Kind.CORRUPT.httpStatus()).isEqualTo(422);
    }

    private void assertVariant(byte[] jpeg, String messageStart) {
        ImageDecodeException e = refused(() -> decoder.decode(jpeg, limits));
        assertThat(e.kind()).isEqualTo(Kind.UNSUPPORTED_VARIANT);
        assertThat(e.getMessage()).startsWith(messageStart);
    }

    static ImageDecodeException refused(Executable call) {
        ImageDecodeException e = catchThrowableOfType(ImageDecodeException.class, call::execute);
        assertThat(e).as("expected an ImageDecodeException").isNotNull();
        return e;
    }

    /** Offset of the first segment with the marker, walking segment lengths from SOI. */
    static int markerOffset(byte[] jpeg, int marker) {
        int pos = 2;
        while ((jpeg[pos + 1] & 0xff) != marker) {
            pos += 2 + (((jpeg[pos + 2] & 0xff) << 8) | (jpeg[pos + 3] & 0xff));
        }
        return pos;
    }
}
