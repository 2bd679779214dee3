package com.fmawsss.tensors;

import java.util.Arrays;

/**
 * A dense float32 array in row-major (C) order, held on the Java heap.
 *
 * <p>Used wherever tensors leave the device: debug outputs, prompt-set files, reference
 * comparisons and the pure-Java seeding code.
 *
 * @param shape the dimensions, outermost first
 * @param data the values, {@code product(shape)} of them
 */
public record FloatTensor(int[] shape, float[] data) {

    /** Validates that the data length matches the shape. */
    public FloatTensor {
        shape = shape.clone();
        long elements = elementCount(shape);
        if (elements != data.length) {
            throw new IllegalArgumentException(
                    "shape " + Arrays.toString(shape) + " needs " + elements + " values, got "
                            + data.length);
        }
    }

    /**
     * @param data the values (not copied)
     * @param shape the dimensions
     */
    public static FloatTensor of(float[] data, int... shape) {
        return new FloatTensor(shape, data);
    }

    /**
     * Counts the elements of a shape, rejecting negative dimensions.
     *
     * @param shape the dimensions
     * @return their product
     */
    public static long elementCount(int[] shape) {
        long count = 1;
        for (int dim : shape) {
            if (dim < 0) {
                throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            }
            count = Math.multiplyExact(count, dim);
        }
        return count;
    }

    @Override
    public int[] shape() {
        return shape.clone();
    }

    public int dim(int axis) {
        return shape[axis];
    }

    public int rank() {
        return shape.length;
    }

    /**
     * Returns a copy of the {@code index}-th slice along the first axis.
     *
     * @param index the slice
     */
    public float[] slice(int index) {
        int stride = data.length / shape[0];
        return Arrays.copyOfRange(data, index * stride, (index + 1) * stride);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof FloatTensor that
                && Arrays.equals(shape, that.shape)
                && Arrays.equals(data, that.data);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "FloatTensor" + Arrays.toString(shape);
    }
}
