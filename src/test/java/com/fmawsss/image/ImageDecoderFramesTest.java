package com.fmawsss.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The frames CVAT serves its functions (the original files: JPEG, PNG, BMP, GIF, WebP, and TIFF
 * re-encoded with LZW) decode to the same pixels as a PNG of the same image; the API's decoder
 * still accepts PNG, JPEG and WebP only.
 */
class ImageDecoderFramesTest {

    static final ImageLimits LIMITS = ImageLimits.defaults();

    /** A 40x30 image of many colours (bands of red, green and blue gradients). */
    static BufferedImage image() {
        BufferedImage image = new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 30; y++) {
            for (int x = 0; x < 40; x++) {
                image.setRGB(x, y, (x * 6) << 16 | (y * 8) << 8 | ((x + y) * 3));
            }
        }
        return image;
    }

    static byte[] tiff(BufferedImage image, String compression) {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("tiff").next();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ImageOutputStream stream = ImageIO.createImageOutputStream(out)) {
            writer.setOutput(stream);
            ImageWriteParam param = writer.getDefaultWriteParam();
            if (compression != null) {
                param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
                param.setCompressionType(compression);
            }
            writer.write(null, new IIOImage(image, null, null), param);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }

    @ParameterizedTest(name = "TIFF {0}")
    @ValueSource(strings = {"none", "LZW", "Deflate", "PackBits"})
    void tiffFramesDecodeToThePixelsOfThePng(String compression) {
        RgbImage png = ImageDecoder.forFrames().decode(TestImages.png(image()), LIMITS).image();
        DecodedImage tiff = ImageDecoder.forFrames().decode(tiff(image(), compression.equals("none") ? null : compression), LIMITS);
        assertThat(tiff.format()).isEqualTo("tiff");
        assertThat(tiff.image().rgb()).isEqualTo(png.rgb());
    }

    @Test
    void bmpAndGifFramesDecode() {
        RgbImage png = ImageDecoder.forFrames().decode(TestImages.png(image()), LIMITS).image();
        DecodedImage bmp = ImageDecoder.forFrames().decode(TestImages.write(image(), "bmp"), LIMITS);
        assertThat(bmp.format()).isEqualTo("bmp");
        assertThat(bmp.image().rgb()).isEqualTo(png.rgb());
        // GIF holds a palette of 256 colours: same size, pixels near the original's.
        BufferedImage flat = new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 30; y++) {
            for (int x = 0; x < 40; x++) {
                flat.setRGB(x, y, x < 20 ? 0xff0000 : 0x0000ff);
            }
        }
        DecodedImage gif = ImageDecoder.forFrames().decode(TestImages.write(flat, "gif"), LIMITS);
        assertThat(gif.format()).isEqualTo("gif");
        assertThat(gif.image().width()).isEqualTo(40);
        assertThat(gif.image().rgb()).isEqualTo(ImageDecoder.forFrames().decode(TestImages.png(flat), LIMITS).image().rgb());
    }

    @Test
    void theLimitsApplyBeforeTheFramesPixelsAreDecoded() {
        ImageLimits small = new ImageLimits(100, 1, Long.MAX_VALUE);
        assertThatThrownBy(() -> ImageDecoder.forFrames().decode(tiff(image(), "LZW"), small))
                .isInstanceOfSatisfying(ImageDecodeException.class, e -> assertThat(e.kind()).isEqualTo(ImageDecodeException.Kind.TOO_MANY_PIXELS));
        assertThatThrownBy(() -> ImageDecoder.forFrames().decode(TestImages.write(image(), "bmp"), small))
                .isInstanceOfSatisfying(ImageDecodeException.class, e -> assertThat(e.kind()).isEqualTo(ImageDecodeException.Kind.TOO_MANY_PIXELS));
        byte[] truncated = Arrays.copyOf(tiff(image(), "LZW"), 60);
        assertThatThrownBy(() -> ImageDecoder.forFrames().decode(truncated, LIMITS)).isInstanceOf(ImageDecodeException.class);
    }

    @Test
    void theApiDecoderStillRefusesThem() {
        for (byte[] frame : new byte[][] {tiff(image(), "LZW"), TestImages.write(image(), "bmp"), TestImages.write(image(), "gif")}) {
            assertThatThrownBy(() -> new ImageDecoder().decode(frame, LIMITS)).isInstanceOfSatisfying(ImageDecodeException.class,
                    e -> {
                        assertThat(e.kind()).isEqualTo(ImageDecodeException.Kind.UNSUPPORTED_MEDIA_TYPE);
                        assertThat(e.getMessage()).endsWith("image; only PNG, JPEG and WebP are accepted.");
                    });
        }
    }
}
