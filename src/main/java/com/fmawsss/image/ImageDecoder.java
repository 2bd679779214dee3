package com.fmawsss.image;

import com.fmawsss.io.Sha256;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Decodes untrusted uploads (PNG, JPEG, WebP; with {@link #forFrames()} also BMP, GIF and TIFF)
 * into upright 8-bit RGB.
 *
 * <p>Order of defences: size limit; format by magic bytes; a structural walk of the file
 * (chunk/segment lengths within the upload, truncation, JPEG frame type); the pixel limit from the
 * header read by ImageIO; only then the pixels. Every decoder failure becomes an
 * {@link ImageDecodeException}.
 *
 * <p>Colour, as Pillow's {@code convert("RGB")} in the reference pipeline: grey is replicated,
 * palettes are looked up, alpha is dropped (not composited: a background colour would invent
 * values), 16-bit samples keep their high byte.
 *
 * <p>Supported: PNG of every colour type and bit depth (interlaced too; APNG gives its default
 * image); baseline and progressive 8-bit JPEG with 1, 3 or 4 components (CMYK/YCCK via
 * TwelveMonkeys), EXIF orientation applied; WebP lossy, lossless, with alpha, and the first
 * frame of an animation; for annotation-tool frames BMP, the first frame of a GIF and the first
 * page of a TIFF (uncompressed, LZW, Deflate, PackBits: the JDK's readers), whose dimensions ImageIO
 * reads from the header before the pixel limit is applied. Rejected as {@code UNSUPPORTED_VARIANT}: lossless, hierarchical,
 * arithmetic-coded and 12/16-bit JPEG, JPEG whose height comes from a DNL marker, JPEG with more
 * than {@value #MAX_JPEG_SCANS} scans. Embedded ICC profiles of grey/RGB images are ignored
 * (samples are taken as sRGB, as Pillow does); CMYK JPEGs are colour-converted.
 *
 * <p>Thread-safe: a fresh ImageIO reader is used per call.
 */
public final class ImageDecoder {

    /**
     * Most scans accepted in a progressive JPEG. Each scan is a pass over the whole coefficient
     * buffer, so a small file with thousands of tiny scans is a CPU bomb; encoders emit about 10.
     */
    public static final int MAX_JPEG_SCANS = 100;

    private final Set<ImageFormat> enabled;
    private final boolean cmykJpeg;

    /** Creates a decoder for PNG, JPEG and, when a WebP ImageIO plugin is installed, WebP. */
    public ImageDecoder() {
        this(ImageIoSupport.hasReader("webp")
                ? EnumSet.of(ImageFormat.PNG, ImageFormat.JPEG, ImageFormat.WEBP)
                : EnumSet.of(ImageFormat.PNG, ImageFormat.JPEG));
    }

    /**
     * A decoder for the frames annotation tools serve as they were uploaded: CVAT hands its functions
     * the original file of every frame (JPEG, PNG, BMP, GIF, WebP, TIFF re-encoded with LZW).
     *
     * @return the decoder
     */
    public static ImageDecoder forFrames() {
        EnumSet<ImageFormat> formats = EnumSet.allOf(ImageFormat.class);
        if (!ImageIoSupport.hasReader("webp")) {
            formats.remove(ImageFormat.WEBP);
        }
        return new ImageDecoder(formats);
    }

    /** Creates a decoder restricted to some formats (tests use it to simulate a build without WebP). */
    ImageDecoder(Set<ImageFormat> enabled) {
        this.enabled = EnumSet.copyOf(enabled);
        this.cmykJpeg = ImageIoSupport.jpegReaderHandlesCmyk();
    }

    /**
     * Returns the formats this decoder accepts.
     *
     * @return format identifiers as in {@link DecodedImage#format()}, e.g. {@code ["png", "jpeg", "webp"]}
     */
    public List<String> supportedFormats() {
        return enabled.stream().map(ImageFormat::id).toList();
    }

    /**
     * Decodes an upload.
     *
     * @param bytes the uploaded file
     * @param limits size and pixel limits
     * @return the upright RGB image and facts about the file
     * @throws ImageDecodeException when the upload is refused; never any other exception for bad input
     */
    public DecodedImage decode(byte[] bytes, ImageLimits limits) {
        Objects.requireNonNull(bytes, "bytes");
        Objects.requireNonNull(limits, "limits");
        checkSize(bytes, limits);
        ImageFormat format = FormatSniffer.sniff(bytes);
        if (!enabled.contains(format)) {
            throw new ImageDecodeException(ImageDecodeException.Kind.UNSUPPORTED_MEDIA_TYPE, format.apiUpload()
                    ? format.displayName() + " images are not supported by this build; send a PNG or JPEG image."
                    : "The upload is a " + format.displayName() + " image; only PNG, JPEG and WebP are accepted.");
        }
        byte[] decodable = bytes;
        int orientation = 1;
        switch (format) {
            case PNG -> PngStructure.parse(bytes);
            case JPEG -> {
                JpegStructure jpeg = JpegStructure.parse(bytes);
                checkJpegVariant(jpeg);
                orientation = jpeg.exifOrientation();
                // CMYK needs its profile for a correct conversion; grey/RGB profiles are ignored.
                decodable = jpeg.components() == 4 ? bytes : jpeg.withoutIccProfiles(bytes);
            }
            case WEBP -> decodable = WebpStructure.parse(bytes).withoutIccProfile(bytes);
            case BMP, GIF, TIFF -> {
                // No structure walk of our own: ImageIO reads the header, the limits apply before the pixels.
            }
        }
        RgbImage stored = ImageIoSupport.read(decodable, format.id(), format.displayName(), limits, RgbConversion::toRgb);
        RgbImage upright = ExifOrientation.apply(stored, orientation);
        return new DecodedImage(upright, format.id(), Sha256.hex(bytes), stored.width(), stored.height(), orientation);
    }

    /** Rejects uploads above the byte limit (before anything else looks at them). */
    static void checkSize(byte[] bytes, ImageLimits limits) {
        if (bytes.length > limits.maxBytes()) {
            throw new ImageDecodeException(ImageDecodeException.Kind.TOO_MANY_BYTES,
                    "The upload has " + bytes.length + " bytes; at most " + limits.maxBytes() + " are accepted.");
        }
    }

    private void checkJpegVariant(JpegStructure jpeg) {
        String variant = null;
        if (!jpeg.isHuffmanDct()) {
            variant = jpeg.frameDescription();
        } else if (jpeg.precision() != 8) {
            variant = jpeg.precision() + "-bit JPEG";
        } else if (jpeg.components() != 1 && jpeg.components() != 3 && jpeg.components() != 4) {
            variant = "JPEG with " + jpeg.components() + " colour components";
        } else if (jpeg.components() == 4 && !cmykJpeg) {
            variant = "CMYK/YCCK JPEG";
        } else if (jpeg.height() == 0) {
            variant = "JPEG whose height is defined by a DNL marker";
        } else if (jpeg.scans() > MAX_JPEG_SCANS) {
            variant = "progressive JPEG with " + jpeg.scans() + " scans (at most " + MAX_JPEG_SCANS + ")";
        }
        if (variant != null) {
            throw new ImageDecodeException(ImageDecodeException.Kind.UNSUPPORTED_VARIANT,
                    Character.toUpperCase(variant.charAt(0)) + variant.substring(1)
                            + " is not supported by this build; re-encode the image as a baseline JPEG or as PNG.");
        }
    }
}
