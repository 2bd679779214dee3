package com.fmawsss.image;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.Iterator;
import java.util.function.Function;
import javax.imageio.IIOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * ImageIO access for hostile input: reader selection, the pixel-limit check between reading the
 * header and reading the pixels, and translation of every decoder failure into
 * {@link ImageDecodeException}.
 */
final class ImageIoSupport {

    private static final String TWELVEMONKEYS = "com.twelvemonkeys.";
    private static final int MAX_DETAIL_LENGTH = 200;

    static {
        // ImageIO registers plugins found through the context class loader of the first thread
        // that touches it; in a packaged Spring Boot jar or a test runner that may not see ours.
        if (!ImageIO.getImageReadersByFormatName("webp").hasNext()) {
            Thread thread = Thread.currentThread();
            ClassLoader previous = thread.getContextClassLoader();
            thread.setContextClassLoader(ImageIoSupport.class.getClassLoader());
            try {
                ImageIO.scanForPlugins();
            } finally {
                thread.setContextClassLoader(previous);
            }
        }
    }

    private ImageIoSupport() {}

    /** Whether a reader for the ImageIO format name is installed. */
    static boolean hasReader(String formatName) {
        return ImageIO.getImageReadersByFormatName(formatName).hasNext();
    }

    /** Whether the JPEG reader in use decodes CMYK and YCCK (the JDK's own reader does not). */
    static boolean jpegReaderHandlesCmyk() {
        ImageReader reader = newReader("jpeg");
        try {
            return reader.getClass().getName().startsWith(TWELVEMONKEYS);
        } finally {
            reader.dispose();
        }
    }

    /** Returns a fresh reader, preferring TwelveMonkeys' (more tolerant, decodes CMYK JPEG). */
    static ImageReader newReader(String formatName) {
        ImageReader chosen = null;
        for (Iterator<ImageReader> it = ImageIO.getImageReadersByFormatName(formatName); it.hasNext(); ) {
            ImageReader candidate = it.next();
            if (chosen == null || candidate.getClass().getName().startsWith(TWELVEMONKEYS)) {
                chosen = candidate;
            }
        }
        if (chosen == null) {
            throw new IllegalStateException("no ImageIO reader for " + formatName);
        }
        return chosen;
    }

    /**
     * Reads image 0 after checking the header's dimensions against the limits, and converts it.
     *
     * @param bytes the (already structure-checked) file
     * @param formatName ImageIO format name
     * @param displayName format name for client messages
     * @param limits pixel and side limits
     * @param convert turns the decoded image into the result; runs under the same error handling
     * @return the converted image
     * @throws ImageDecodeException on any failure
     */
    static <T> T read(byte[] bytes, String formatName, String displayName, ImageLimits limits,
            Function<BufferedImage, T> convert) {
        ImageReader reader = newReader(formatName);
        try (ImageInputStream in = new BoundedImageInputStream(bytes)) {
            // Forward only, except TIFF, whose directories may follow the pixels; metadata ignored (EXIF is parsed separately).
            reader.setInput(in, !"tiff".equals(formatName), true);
            int width = reader.getWidth(0);
            int height = reader.getHeight(0);
            checkDimensions(width, height, limits, displayName);
            BufferedImage image = reader.read(0);
            // Belt and braces: the decoded size must agree with what was checked.
            if (image.getWidth() != width || image.getHeight() != height) {
                checkDimensions(image.getWidth(), image.getHeight(), limits, displayName);
            }
            return convert.apply(image);
        } catch (ImageDecodeException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw corrupt(displayName, e);
        } catch (OutOfMemoryError | StackOverflowError e) {
            // A malformed stream can make a decoder trust a bogus size field and attempt a huge
            // allocation, or recurse without bound in a parser. Both failures are local to this
            // call (the failed array never existed, the stack unwinds), so the request is answered
            // as corrupt instead of taking the service down. Other Errors (linkage, internal
            // errors) mean a broken deployment and must propagate.
            throw corrupt(displayName, e);
        } finally {
            reader.dispose();
        }
    }

    /** Applies the pixel and side limits to declared dimensions. */
    static void checkDimensions(long width, long height, ImageLimits limits, String displayName) {
        if (width <= 0 || height <= 0) {
            throw new ImageDecodeException(ImageDecodeException.Kind.CORRUPT,
                    "The " + displayName + " data is corrupt (it declares an empty " + width + "x" + height + " image).");
        }
        long pixels = width * height;
        if (pixels > limits.maxPixels()) {
            throw new ImageDecodeException(ImageDecodeException.Kind.TOO_MANY_PIXELS,
                    "The image is " + width + "x" + height + " (" + pixels + " pixels); at most " + limits.maxPixels()
                            + " pixels are accepted.");
        }
        if (width < limits.minSide() || height < limits.minSide()) {
            throw new ImageDecodeException(ImageDecodeException.Kind.TOO_SMALL,
                    "The image is " + width + "x" + height + "; width and height must be at least " + limits.minSide()
                            + " pixels.");
        }
    }

    private static ImageDecodeException corrupt(String displayName, Throwable cause) {
        String message = "The " + displayName + " data is corrupt and could not be decoded";
        // The decoder's own diagnosis (e.g. "Bogus Huffman table definition") helps clients; other
        // exception messages describe our internals, not the file.
        String detail = cause instanceof IIOException ? cause.getMessage() : null;
        if (detail != null && detail.length() <= MAX_DETAIL_LENGTH && detail.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
            message += " (" + detail + ")";
        }
        return new ImageDecodeException(ImageDecodeException.Kind.CORRUPT, message + ".", cause);
    }
}
