package com.fmawsss.tensors;

import com.fmawsss.tensors.TorchPickle.StorageRef;
import com.fmawsss.tensors.TorchPickle.TensorRef;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * A state dict of floating-point tensors saved with {@code torch.save} (zip format, PyTorch 1.6
 * and later): {@code <root>/data.pkl} (read by {@link TorchPickle}, which executes nothing) and one
 * raw little-endian record {@code <root>/data/<key>} per storage. Tensors are read on demand and
 * converted to float32; views (offsets, strides, storages shared between tensors) are resolved with
 * bounds checks. Everything the pickle subset does not cover, and inputs beyond {@link Limits},
 * is refused with a {@link TensorFormatException}.
 */
public final class TorchCheckpoint implements AutoCloseable {

    /**
     * Bounds of one read.
     *
     * @param maxPickleBytes largest accepted {@code data.pkl}
     * @param maxElements largest element count of one storage and of one tensor (at most 2^29, so a
     *     storage fits one array)
     */
    public record Limits(int maxPickleBytes, long maxElements) {
        /** Rejects limits a single array cannot hold. */
        public Limits {
            if (maxPickleBytes <= 0 || maxElements <= 0 || maxElements > 1L << 29) {
                throw new IllegalArgumentException("invalid checkpoint limits");
            }
        }
    }

    private static final String PICKLE = "data.pkl";

    private final ZipFile zip;
    private final String root;
    private final Map<String, TensorRef> tensors;

    private TorchCheckpoint(ZipFile zip, String root, Map<String, TensorRef> tensors) {
        this.zip = zip;
        this.root = root;
        this.tensors = tensors;
    }

    /**
     * Opens a checkpoint and reads its tensor directory (names, shapes, storages); no tensor data yet.
     *
     * @param file the {@code .pth} file
     * @param limits the bounds
     * @return the open checkpoint (close it)
     * @throws TensorFormatException when the file is not an acceptable state dict of tensors
     */
    public static TorchCheckpoint open(Path file, Limits limits) {
        ZipFile zip;
        try {
            zip = new ZipFile(file.toFile());
        } catch (ZipException e) {
            throw new TensorFormatException("not a torch.save checkpoint (zip archive): " + e.getMessage(), e);
        } catch (IOException e) {
            throw new TensorFormatException("unreadable checkpoint: " + e.getMessage(), e);
        }
        try {
            String root = root(zip);
            checkByteOrder(zip, root);
            ZipEntry pickle = zip.getEntry(root + "/" + PICKLE);
            Object top = TorchPickle.load(readEntry(zip, pickle, limits.maxPickleBytes(), "data.pkl"));
            return new TorchCheckpoint(zip, root, directory(top, limits));
        } catch (RuntimeException e) {
            closeQuietly(zip);
            throw e;
        }
    }

    /** Returns the tensor names, in the file's order. */
    public List<String> names() {
        return List.copyOf(tensors.keySet());
    }

    public int[] shape(String name) {
        return tensor(name).size().clone();
    }

    /**
     * Reads one tensor as float32.
     *
     * @param name the tensor
     * @return its values in row-major order
     * @throws TensorFormatException when its storage record is missing, short or inconsistent
     */
    public FloatTensor read(String name) {
        TensorRef ref = tensor(name);
        StorageRef storage = ref.storage();
        int count = Math.toIntExact(FloatTensor.elementCount(ref.size()));
        long last = ref.offset();
        for (int i = 0; i < ref.size().length; i++) {
            last += (long) Math.max(ref.size()[i] - 1, 0) * ref.stride()[i];
        }
        if (count > 0 && last >= storage.numel()) {
            throw new TensorFormatException("tensor '" + name + "' reaches element " + last + " of a storage of " + storage.numel());
        }
        ZipEntry entry = zip.getEntry(root + "/data/" + storage.key());
        long bytes = storage.numel() * storage.dtype().bytes;
        byte[] raw = readEntry(zip, entry, Math.toIntExact(bytes), "storage " + storage.key());
        if (raw.length != bytes) {
            throw new TensorFormatException("storage " + storage.key() + " has " + raw.length + " bytes, its header says " + bytes);
        }
        ByteBuffer buffer = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        float[] values = new float[count];
        int[] index = new int[ref.size().length];
        for (int i = 0; i < count; i++) {
            long element = ref.offset();
            for (int d = 0; d < index.length; d++) {
                element += index[d] * ref.stride()[d];
            }
            values[i] = decode(buffer, storage.dtype(), element);
            for (int d = index.length - 1; d >= 0 && ++index[d] == ref.size()[d]; d--) {
                index[d] = 0;
            }
        }
        return new FloatTensor(ref.size(), values);
    }

    @Override
    public void close() {
        closeQuietly(zip);
    }

    private TensorRef tensor(String name) {
        TensorRef ref = tensors.get(name);
        if (ref == null) {
            throw new IllegalArgumentException("no tensor '" + name + "' in the checkpoint");
        }
        return ref;
    }

    /** One element; {@code element} is below the storage's size, so its byte offset is an int. */
    private static float decode(ByteBuffer buffer, TorchPickle.DType dtype, long element) {
        int at = (int) (element * dtype.bytes);
        return switch (dtype) {
            case FLOAT32 -> buffer.getFloat(at);
            case FLOAT16 -> Float.float16ToFloat(buffer.getShort(at));
            case BFLOAT16 -> Float.intBitsToFloat((buffer.getShort(at) & 0xffff) << 16);
        };
    }

    /** The single top-level folder holding {@code data.pkl} (torch names it after the file). */
    private static String root(ZipFile zip) {
        List<String> roots = new ArrayList<>();
        for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
            String name = e.nextElement().getName();
            int slash = name.indexOf('/');
            if (slash > 0 && name.substring(slash + 1).equals(PICKLE)) {
                roots.add(name.substring(0, slash));
            }
        }
        if (roots.size() != 1) {
            throw new TensorFormatException(roots.isEmpty() ? "not a torch.save checkpoint: no <name>/data.pkl"
                    : "the archive holds " + roots.size() + " data.pkl records");
        }
        return roots.get(0);
    }

    private static void checkByteOrder(ZipFile zip, String root) {
        ZipEntry entry = zip.getEntry(root + "/byteorder");
        // Files written before PyTorch 1.10 have no record; they are little-endian.
        if (entry != null) {
            String order = new String(readEntry(zip, entry, 16, "byteorder"), StandardCharsets.US_ASCII).strip();
            if (!order.equals("little")) {
                throw new TensorFormatException("checkpoint byte order '" + order + "' is not supported");
            }
        }
    }

    private static Map<String, TensorRef> directory(Object top, Limits limits) {
        if (!(top instanceof Map<?, ?> dict)) {
            throw new TensorFormatException("the checkpoint is not a state dict (a dict of tensors)");
        }
        Map<String, TensorRef> tensors = new LinkedHashMap<>();
        dict.forEach((key, value) -> {
            if (!(value instanceof TensorRef ref)) {
                throw new TensorFormatException("state dict entry '" + key + "' is not a tensor");
            }
            long elements;
            try {
                elements = FloatTensor.elementCount(ref.size());
            } catch (ArithmeticException e) {
                elements = Long.MAX_VALUE;
            }
            if (elements > limits.maxElements() || ref.storage().numel() > limits.maxElements()) {
                throw new TensorFormatException("tensor '" + key + "' is larger than the limit of " + limits.maxElements() + " elements");
            }
            tensors.put((String) key, ref);
        });
        return Collections.unmodifiableMap(tensors);
    }

    private static byte[] readEntry(ZipFile zip, ZipEntry entry, int maxBytes, String what) {
        if (entry == null) {
            throw new TensorFormatException("the checkpoint has no " + what + " record");
        }
        try (InputStream in = zip.getInputStream(entry)) {
            byte[] bytes = in.readNBytes(maxBytes);
            if (in.read() != -1) {
                throw new TensorFormatException(what + " is larger than " + maxBytes + " bytes");
            }
            return bytes;
        } catch (IOException e) {
            throw new TensorFormatException("cannot read " + what + ": " + e.getMessage(), e);
        }
    }

    private static void closeQuietly(ZipFile zip) {
        try {
            zip.close();
        } catch (IOException e) {
            // Read-only file: nothing is lost.
        }
    }
}
