package com.fmawsss.tensors;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import java.io.FilterInputStream;

/** Reader and writer of NumPy's {@code .npz} archives (a zip of {@code <name>.npy} members). */
public final class Npz {

    private static final int MAX_MEMBERS = 256;

    private Npz() {}

    /**
     * Serialises named arrays, compressed, in the map's iteration order.
     *
     * @param arrays the arrays by name (without the {@code .npy} suffix)
     * @return the archive bytes
     */
    public static byte[] write(Map<String, NpyArray> arrays) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (Map.Entry<String, NpyArray> e : arrays.entrySet()) {
                ZipEntry entry = new ZipEntry(e.getKey() + ".npy");
                entry.setTime(0L); // reproducible archives
                zip.putNextEntry(entry);
                zip.write(Npy.write(e.getValue()));
                zip.closeEntry();
            }
        } catch (IOException e) {
            throw new IllegalStateException("in-memory zip failed", e);
        }
        return bytes.toByteArray();
    }

    /**
     * Parses an archive held in memory.
     *
     * @param archive the bytes
     * @param maxElements largest accepted element count summed over all members
     * @return the arrays by name, in archive order
     * @throws TensorFormatException when the archive or a member is malformed
     */
    public static Map<String, NpyArray> read(byte[] archive, long maxElements) {
        Map<String, NpyArray> arrays = new LinkedHashMap<>();
        long budget = maxElements;
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(archive))) {
            ZipEntry entry;
            while ((entry = zip.getNextEntry()) != null) {
                String name = entry.getName();
                if (!name.endsWith(".npy") || name.contains("/") || entry.isDirectory()) {
                    throw new TensorFormatException(".npz member '" + name + "' is not a top-level .npy file");
                }
                if (arrays.size() >= MAX_MEMBERS) {
                    throw new TensorFormatException(".npz has more than " + MAX_MEMBERS + " members");
                }
                NpyArray array = Npy.read(new BoundedStream(zip), budget);
                budget -= FloatTensor.elementCount(array.shape());
                String key = name.substring(0, name.length() - 4);
                if (arrays.putIfAbsent(key, array) != null) {
                    throw new TensorFormatException(".npz has two members named '" + key + "'");
                }
            }
        } catch (ZipException e) {
            throw new TensorFormatException("not a valid .npz (zip) archive: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new TensorFormatException("unreadable .npz archive", e);
        }
        if (arrays.isEmpty()) {
            throw new TensorFormatException(".npz archive holds no arrays");
        }
        return arrays;
    }

    /** Keeps {@link Npy#read} from closing the zip stream when it checks for trailing bytes. */
    private static final class BoundedStream extends FilterInputStream {
        BoundedStream(ZipInputStream in) {
            super(in);
        }

        @Override
        public void close() {}
    }
}
