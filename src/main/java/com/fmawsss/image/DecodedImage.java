package com.fmawsss.image;

import java.util.Objects;

/**
 * A decoded upload: upright 8-bit RGB pixels plus what clients and caches need to know about the
 * original file.
 *
 * @param image the pixels after EXIF orientation was applied
 * @param format {@code "png"}, {@code "jpeg"} or {@code "webp"}, as sniffed from the magic bytes
 * @param sha256 lower-case hex SHA-256 of the uploaded bytes (cache key, provenance)
 * @param originalWidth width as stored in the file, before orientation
 * @param originalHeight height as stored in the file, before orientation
 * @param exifOrientation the EXIF orientation that was applied, 1 (none) to 8
 */
public record DecodedImage(
        RgbImage image, String format, String sha256, int originalWidth, int originalHeight, int exifOrientation) {

    /** Validates the fields. */
    public DecodedImage {
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(sha256, "sha256");
        if (exifOrientation < 1 || exifOrientation > 8) {
            throw new IllegalArgumentException("EXIF orientation must be 1-8, got " + exifOrientation);
        }
    }
}
