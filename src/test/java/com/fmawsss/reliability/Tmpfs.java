package com.fmawsss.reliability;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A small tmpfs mounted over a directory, to make it full or read-only on demand (needs root; the
 * tests that use it are skipped elsewhere). {@link #fill()} writes a filler file until the
 * file system answers ENOSPC; {@link #free()} deletes it.
 */
final class Tmpfs implements AutoCloseable {

    static final String FILLER = "zz-filler.bin";

    private final Path dir;

    private Tmpfs(Path dir) {
        this.dir = dir;
    }

    /** Tells whether this process may mount file systems (root on Linux with mount(8) present). */
    static boolean mountingPossible() {
        try {
            return System.getProperty("os.name").startsWith("Linux") && run("id", "-u").trim().equals("0");
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Mounts a tmpfs of the given size over a directory (created when absent).
     *
     * @return the mount, or null when mounting failed (e.g. no CAP_SYS_ADMIN in a container)
     */
    static Tmpfs mount(Path dir, String size) throws IOException {
        Files.createDirectories(dir);
        try {
            run("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", dir.toString());
        } catch (IOException e) {
            return null;
        }
        return new Tmpfs(dir);
    }

    Path dir() {
        return dir;
    }

    /** Writes a filler until ENOSPC: afterwards no new byte fits. */
    void fill() throws IOException {
        byte[] chunk = new byte[16 * 1024];
        try (OutputStream out = Files.newOutputStream(dir.resolve(FILLER))) {
            while (true) {
                out.write(chunk);
            }
        } catch (IOException e) {
            if (!String.valueOf(e.getMessage()).contains("No space left on device")) {
                throw e;
            }
        }
        // The stream's close may have flushed nothing more; a single byte must not fit now.
        try {
            Files.write(dir.resolve("zz-probe"), new byte[] {1});
            throw new IllegalStateException(dir + " still takes writes after filling");
        } catch (IOException expected) {
            Files.deleteIfExists(dir.resolve("zz-probe"));
        }
    }

    /** Deletes the filler. */
    void free() throws IOException {
        Files.deleteIfExists(dir.resolve(FILLER));
    }

    void readOnly() throws IOException {
        run("mount", "-o", "remount,ro", dir.toString());
    }

    void readWrite() throws IOException {
        run("mount", "-o", "remount,rw", dir.toString());
    }

    /** Unmounts (lazily when a file is still open), so the directory is a plain one again. */
    @Override
    public void close() throws IOException {
        try {
            run("umount", dir.toString());
        } catch (IOException e) {
            run("umount", "-l", dir.toString());
        }
    }

    private static String run(String... command) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(String.join(" ", command) + " timed out");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed (" + process.exitValue() + "): " + output);
        }
        return output;
    }

    /** Closes every mount, remembering the first failure. */
    static void closeAll(List<Tmpfs> mounts) throws IOException {
        IOException first = null;
        for (Tmpfs mount : new ArrayList<>(mounts)) {
            if (mount == null) {
                continue;
            }
            try {
                mount.close();
            } catch (IOException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
