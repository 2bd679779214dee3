package com.fmawsss.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** EXIF orientations 1-8 in both TIFF byte orders turn a JPEG upright. */
class ExifOrientationTest {

    /** Stored layout: 3x2 blocks of 16 px, greys far enough apart to survive JPEG. */
    private static final String STORED = "ABC/DEF";
    private static final int BLOCK = 16;
    private static final int[] GREYS = {0, 50, 100, 150, 200, 250};

    private final ImageDecoder decoder = new ImageDecoder();

    static Stream<Arguments> orientations() {
        // The upright block layout for each orientation, per the EXIF/TIFF orientation table.
        String[] upright = {null, "ABC/DEF", "CBA/FED", "FED/CBA", "DEF/ABC", "AD/BE/CF", "DA/EB/FC", "FC/EB/DA", "CF/BE/AD"};
        return Stream.of(true, false).flatMap(little ->
                Stream.iterate(1, o -> o <= 8, o -> o + 1).map(o -> Arguments.of(o, little, upright[o])));
    }

    @ParameterizedTest(name = "orientation {0}, little-endian {1}")
    @MethodSource("orientations")
    void orientationIsApplied(int orientation, boolean littleEndian, String expectedLayout) {
        byte[] jpeg = TestImages.insertAfterSoi(storedJpeg(), TestImages.exifSegment(orientation, littleEndian));

        DecodedImage decoded = decoder.decode(jpeg, ImageLimits.defaults());

        assertThat(decoded.exifOrientation()).isEqualTo(orientation);
        assertThat(decoded.originalWidth()).isEqualTo(3 * BLOCK);
        assertThat(decoded.originalHeight()).isEqualTo(2 * BLOCK);
        assertThat(layout(decoded.image())).isEqualTo(expectedLayout);
    }

    @Test
    void brokenOrOutOfRangeExifIsIgnored() {
        byte[] valid = TestImages.exifSegment(6, true);
        byte[] truncated = TestImages.segment(0xe1, Arrays.copyOfRange(valid, 4, 20));
        byte[] outOfRange = TestImages.exifSegment(9, false);
        byte[] badIfdOffset = valid.clone();
        badIfdOffset[4 + 6 + 4] = (byte) 0xf0; // IFD0 offset far beyond the segment

        for (byte[] segment : new byte[][] {truncated, outOfRange, badIfdOffset}) {
            DecodedImage decoded = decoder.decode(TestImages.insertAfterSoi(storedJpeg(), segment), ImageLimits.defaults());

            assertThat(decoded.exifOrientation()).isEqualTo(1);
            assertThat(layout(decoded.image())).isEqualTo(STORED);
        }
    }

    @Test
    void hostileTiffStructuresEndInAnAnswerNotALoopOrAnAllocation() {
        // IFD0 whose next-IFD offset points back at itself.
        byte[] cycle = {'I', 'I', 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0, 8, 0, 0, 0};
        // 65,535 entries announced in a 22-byte block.
        byte[] manyEntries = {'M', 'M', 0, 42, 0, 0, 0, 8, (byte) 0xff, (byte) 0xff, 1, 0x12, 0, 3, 0, 0, 0, 1, 0, 3, 0, 0};
        // A LONG array of 2^31 values before the orientation entry.
        byte[] hugeCount = {'I', 'I', 42, 0, 8, 0, 0, 0, 2, 0, 0x00, 0x01, 4, 0, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f,
                100, 0, 0, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0};

        assertThat(ExifOrientation.parse(cycle, 0, cycle.length)).isEqualTo(6);
        assertThat(ExifOrientation.parse(manyEntries, 0, manyEntries.length)).isZero();
        assertThat(ExifOrientation.parse(hugeCount, 0, hugeCount.length)).isEqualTo(3);
    }

    @Test
    void applyMovesPixelsExactly() {
        // 3x2 image whose red channel numbers the pixels 0..5 row-major.
        byte[] rgb = new byte[18];
        for (int i = 0; i < 6; i++) {
            rgb[i * 3] = (byte) i;
        }
        RgbImage stored = new RgbImage(3, 2, rgb);

        RgbImage rotated = ExifOrientation.apply(stored, 6);

        assertThat(rotated.width()).isEqualTo(2);
        assertThat(rotated.height()).isEqualTo(3);
        assertThat(reds(rotated)).containsExactly(3, 0, 4, 1, 5, 2);
        assertThat(reds(ExifOrientation.apply(stored, 8))).containsExactly(2, 5, 1, 4, 0, 3);
        assertThat(reds(ExifOrientation.apply(stored, 3))).containsExactly(5, 4, 3, 2, 1, 0);
        assertThat(ExifOrientation.apply(stored, 1)).isSameAs(stored);
    }

    private static byte[] storedJpeg() {
        int[][] colours = new int[2][3];
        for (int i = 0; i < 6; i++) {
            colours[i / 3][i % 3] = GREYS[i] * 0x010101;
        }
        return TestImages.jpeg(TestImages.blocks(colours, BLOCK));
    }

    /** Reads the block layout back: the letter of the nearest grey at each block centre. */
    private static String layout(RgbImage image) {
        StringBuilder out = new StringBuilder();
        for (int by = 0; by < image.height() / BLOCK; by++) {
            if (by > 0) {
                out.append('/');
            }
            for (int bx = 0; bx < image.width() / BLOCK; bx++) {
                int grey = image.at(bx * BLOCK + BLOCK / 2, by * BLOCK + BLOCK / 2, 1);
                int nearest = 0;
                for (int i = 1; i < GREYS.length; i++) {
                    if (Math.abs(GREYS[i] - grey) < Math.abs(GREYS[nearest] - grey)) {
                        nearest = i;
                    }
                }
                out.append((char) ('A' + nearest));
            }
        }
        return out.toString();
    }

    private static int[] reds(RgbImage image) {
        int[] reds = new int[image.width() * image.height()];
        for (int i = 0; i < reds.length; i++) {
            reds[i] = image.rgb()[i * 3];
        }
        return reds;
    }
}
