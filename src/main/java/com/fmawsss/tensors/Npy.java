package com.fmawsss.tensors;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.io.ByteArrayInputStream;

/**
 * Reader and writer of NumPy's {@code .npy} format (versions 1.0-3.0, little-endian, C order).
 *
 * <p>The reader is strict because it parses client uploads: it checks the magic, bounds the header
 * and the element count before allocating, and rejects Fortran order, big-endian data and
 * truncated or over-long payloads.
 */
public final class Npy {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final int MAX_HEADER_BYTES = 1 << 16;
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private Npy() {}

    /**
     * Parses one {@code .npy} stream.
     *
     * @param in the stream, read to its end
     * @param maxElements largest accepted element count (checked before the payload is read)
     * @return the array
     * @throws TensorFormatException when the stream is not an acceptable {@code .npy}
     * @throws IOException when reading fails
     */
    public static NpyArray read(InputStream in, long maxElements) throws IOException {
        byte[] magic = in.readNBytes(8);
        if (magic.length < 8) {
            throw new TensorFormatException("not a .npy file: shorter than its 8-byte preamble");
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (magic[i] != MAGIC[i]) {
                throw new TensorFormatException("not a .npy file: bad magic bytes");
            }
        }
        int major = magic[6];
        int headerLength;
        if (major == 1) {
            byte[] len = in.readNBytes(2);
            if (len.length < 2) {
                throw new TensorFormatException(".npy header length is truncated");
            }
            headerLength = (len[0] & 0xff) | (len[1] & 0xff) << 8;
        } else if (major == 2 || major == 3) {
            byte[] len = in.readNBytes(4);
            if (len.length < 4) {
                throw new TensorFormatException(".npy header length is truncated");
            }
            headerLength = ByteBuffer.wrap(len).order(ByteOrder.LITTLE_ENDIAN).getInt();
        } else {
            throw new TensorFormatException("unsupported .npy format version " + major);
        }
        if (headerLength <= 0 || headerLength > MAX_HEADER_BYTES) {
            throw new TensorFormatException(".npy header length " + headerLength + " is out of range");
        }
        byte[] headerBytes = in.readNBytes(headerLength);
        if (headerBytes.length < headerLength) {
            throw new TensorFormatException(".npy header is truncated");
        }
        String header = new String(headerBytes, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        String dtype = field(DESCR, header, "descr");
        if ("True".equals(field(FORTRAN, header, "fortran_order"))) {
            throw new TensorFormatException(".npy arrays in Fortran order are not accepted; save a C-ordered array");
        }
        int[] shape = parseShape(field(SHAPE, header, "shape"));
        int itemSize;
        try {
            itemSize = NpyArray.itemSize(dtype);
        } catch (IllegalArgumentException e) {
            throw new TensorFormatException("unsupported .npy dtype '" + dtype + "'");
        }
        long elements;
        try {
            elements = FloatTensor.elementCount(shape);
        } catch (ArithmeticException e) {
            throw new TensorFormatException(".npy shape is too large");
        }
        if (elements > maxElements) {
            throw new TensorFormatException(
                    ".npy array has " + elements + " elements, more than the limit of " + maxElements);
        }
        int payloadBytes = Math.toIntExact(elements * itemSize);
        byte[] payload = in.readNBytes(payloadBytes);
        if (payload.length < payloadBytes) {
            throw new TensorFormatException(
                    ".npy payload is truncated: expected " + payloadBytes + " bytes, got " + payload.length);
        }
        if (in.read() != -1) {
            throw new TensorFormatException(".npy payload is longer than its shape says");
        }
        return new NpyArray(dtype, shape, payload);
    }

    /**
     * Parses one {@code .npy} file held in memory.
     *
     * @param bytes the file content
     * @param maxElements largest accepted element count
     * @return the array
     */
    public static NpyArray read(byte[] bytes, long maxElements) {
        try {
            return read(new ByteArrayInputStream(bytes), maxElements);
        } catch (IOException e) {
            throw new TensorFormatException("unreadable .npy data", e);
        }
    }

    /**
     * Serialises an array as {@code .npy} version 1.0 with a 64-byte aligned header.
     *
     * @return the file content
     */
    public static byte[] write(NpyArray array) {
        StringBuilder shape = new StringBuilder();
        int[] dims = array.shape();
        for (int i = 0; i < dims.length; i++) {
            shape.append(dims[i]);
            if (dims.length == 1 || i < dims.length - 1) {
                shape.append(i < dims.length - 1 ? ", " : ",");
            }
        }
        String dict = "{'descr': '" + array.dtype() + "', 'fortran_order': False, 'shape': (" + shape + "), }";
        int unpadded = MAGIC.length + 2 + 2 + dict.length() + 1;
        int padding = (64 - unpadded % 64) % 64;
        String header = dict + " ".repeat(padding) + "\n";
        ByteArrayOutputStream out = new ByteArrayOutputStream(unpadded + padding + array.bytes().length);
        out.writeBytes(MAGIC);
        out.write(1);
        out.write(0);
        out.write(header.length() & 0xff);
        out.write(header.length() >>> 8);
        out.writeBytes(header.getBytes(StandardCharsets.ISO_8859_1));
        out.writeBytes(array.bytes());
        return out.toByteArray();
    }

    private static String field(Pattern pattern, String header, String name) {
        Matcher m = pattern.matcher(header);
        if (!m.find()) {
            throw new TensorFormatException(".npy header has no valid '" + name + "' entry");
        }
        return m.group(1);
    }

    private static int[] parseShape(String text) {
        List<Integer> dims = new ArrayList<>();
        for (String part : text.split(",")) {
            String trimmed = part.trim();
            if (trimmed.isEmpty()) {
                continue;
            }
            try {
                int dim = Integer.parseInt(trimmed.endsWith("L") ? trimmed.substring(0, trimmed.length() - 1) : trimmed);
                if (dim < 0) {
                    throw new NumberFormatException();
                }
                dims.add(dim);
            } catch (NumberFormatException e) {
                throw new TensorFormatException(".npy shape entry '" + trimmed + "' is not a dimension");
            }
        }
        return dims.stream().mapToInt(Integer::intValue).toArray();
    }
}
