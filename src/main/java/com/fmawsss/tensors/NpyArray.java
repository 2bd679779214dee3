package com.fmawsss.tensors;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * One NumPy array as read from or written to a {@code .npy} file: dtype, shape and the raw
 * little-endian bytes in C order.
 *
 * @param dtype the NumPy dtype descriptor, e.g. {@code <f4}, {@code |u1}, {@code <i8}
 * @param shape the dimensions
 * @param bytes the element bytes, {@code product(shape) * itemSize} of them
 */
public record NpyArray(String dtype, int[] shape, byte[] bytes) {

    /** Validates dtype and length. */
    public NpyArray {
        shape = shape.clone();
        int itemSize = itemSize(dtype);
        long expected = Math.multiplyExact(FloatTensor.elementCount(shape), itemSize);
        if (expected != bytes.length) {
            throw new IllegalArgumentException(
                    "dtype " + dtype + " shape " + Arrays.toString(shape) + " needs " + expected
                            + " bytes, got " + bytes.length);
        }
    }

    /**
     * Bytes per element of a supported dtype.
     *
     * @param dtype a descriptor
     * @throws IllegalArgumentException for unsupported dtypes
     */
    public static int itemSize(String dtype) {
        return switch (dtype) {
            case "<f4", "<i4" -> 4;
            case "<f8", "<i8" -> 8;
            case "<f2", "<i2", "<u2" -> 2;
            case "|u1", "|i1", "|b1" -> 1;
            default -> throw new IllegalArgumentException("unsupported dtype " + dtype);
        };
    }

    /** Wraps a float tensor as {@code <f4}. */
    public static NpyArray of(FloatTensor tensor) {
        ByteBuffer buffer = ByteBuffer.allocate(tensor.data().length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asFloatBuffer().put(tensor.data());
        return new NpyArray("<f4", tensor.shape(), buffer.array());
    }

    /**
     * Wraps bytes as {@code |u1}.
     *
     * @param shape the dimensions
     */
    public static NpyArray ofUint8(byte[] values, int... shape) {
        return new NpyArray("|u1", shape, values.clone());
    }

    /**
     * Wraps longs as {@code <i8}.
     *
     * @param shape the dimensions
     */
    public static NpyArray ofInt64(long[] values, int... shape) {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asLongBuffer().put(values);
        return new NpyArray("<i8", shape, buffer.array());
    }

    @Override
    public int[] shape() {
        return shape.clone();
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    /**
     * Converts to float32; only {@code <f4} is accepted, so no value is silently rounded.
     *
     * @throws TensorFormatException for any other dtype
     */
    public FloatTensor toFloatTensor() {
        if (!"<f4".equals(dtype)) {
            throw new TensorFormatException("expected a float32 (<f4) array, got dtype " + dtype);
        }
        float[] values = new float[bytes.length / 4];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        return new FloatTensor(shape, values);
    }

    /**
     * Reads {@code |u1} or {@code |b1} values.
     *
     * @return the values as unsigned ints
     */
    public int[] toUnsignedBytes() {
        if (!"|u1".equals(dtype) && !"|b1".equals(dtype)) {
            throw new TensorFormatException("expected a uint8 or bool array, got dtype " + dtype);
        }
        int[] values = new int[bytes.length];
        for (int i = 0; i < values.length; i++) {
            values[i] = bytes[i] & 0xff;
        }
        return values;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof NpyArray that
                && dtype.equals(that.dtype)
                && Arrays.equals(shape, that.shape)
                && Arrays.equals(bytes, that.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes) * 31 + Arrays.hashCode(shape) + dtype.hashCode();
    }

    @Override
    public String toString() {
        return "NpyArray[" + dtype + " " + Arrays.toString(shape) + "]";
    }
}
