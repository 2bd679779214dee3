package com.fmawsss.image;

import java.io.IOException;
import javax.imageio.IIOException;
import javax.imageio.stream.ImageInputStreamImpl;

/**
 * An ImageIO stream over a byte array that fails once a decoder keeps reading past the end.
 *
 * <p>Why: TwelveMonkeys' WebP lossless bit reader swallows end-of-file and then serves stale bits
 * forever, so a truncated stream can spin in its transform loop indefinitely. A healthy decoder
 * hits the end a handful of times (look-ahead buffering); one that hits it
 * {@value #MAX_READS_PAST_END} times is decoding garbage, and an {@link IIOException} (which the
 * bit reader does not swallow) stops it.
 */
final class BoundedImageInputStream extends ImageInputStreamImpl {

    static final int MAX_READS_PAST_END = 1024;

    private final byte[] data;
    private int readsPastEnd;

    BoundedImageInputStream(byte[] data) {
        this.data = data;
    }

    @Override
    public int read() throws IOException {
        if (streamPos >= data.length) {
            return pastEnd();
        }
        bitOffset = 0;
        return data[(int) streamPos++] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (off < 0 || len < 0 || off + len > b.length || off + len < 0) {
            throw new IndexOutOfBoundsException("off " + off + ", len " + len + ", buffer " + b.length);
        }
        if (len == 0) {
            return 0;
        }
        if (streamPos >= data.length) {
            return pastEnd();
        }
        bitOffset = 0;
        int n = (int) Math.min(len, data.length - streamPos);
        System.arraycopy(data, (int) streamPos, b, off, n);
        streamPos += n;
        return n;
    }

    @Override
    public long length() {
        return data.length;
    }

    private int pastEnd() throws IIOException {
        if (++readsPastEnd > MAX_READS_PAST_END) {
            throw new IIOException("the decoder kept reading past the end of the data");
        }
        return -1;
    }
}
