package com.fmawsss.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Crash-safe file replacement: the bytes go to a temporary file in the target's directory, are
 * forced to disk and renamed over the target, so readers (and a restarted process) see either the
 * old or the new content, never a half-written file.
 */
public final class AtomicFiles {

    private AtomicFiles() {}

    /**
     * Writes a file atomically.
     *
     * @param target the file to create or replace
     * @param bytes its new content
     * @throws IOException when the directory is not writable or the disk is full (the target is
     *     then unchanged and no temporary file is left)
     */
    public static void write(Path target, byte[] bytes) throws IOException {
        write(target, bytes, target.toAbsolutePath().getParent());
    }

    /**
     * Writes a file atomically with its temporary file in another directory, so that a writer can
     * clear the leftovers of its own crashed runs without touching anybody else's files in flight.
     *
     * @param target the file to create or replace
     * @param bytes its new content
     * @param tempDirectory where the temporary file lives until the rename; must be on the target's
     *     file system (the rename is then atomic)
     * @throws IOException as {@link #write(Path, byte[])}
     */
    public static void write(Path target, byte[] bytes, Path tempDirectory) throws IOException {
        Files.createDirectories(target.toAbsolutePath().getParent());
        Path temp = durableTemp(tempDirectory, target, bytes);
        try {
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /**
     * Publishes a new file under a name that must not exist yet: written to a temporary file in
     * the same directory, fsynced, then linked under its name with {@code link(2)}, which fails
     * instead of overwriting (two writers cannot both publish the same name). On a file system
     * without hard links: check, then atomic rename (a tiny race between writers).
     *
     * @throws FileAlreadyExistsException when {@code target} exists; nothing was changed
     */
    public static void publish(Path target, byte[] bytes) throws IOException {
        Path directory = target.toAbsolutePath().getParent();
        Path temp = durableTemp(directory, target, bytes);
        try {
            try {
                Files.createLink(target, temp);
            } catch (UnsupportedOperationException | FileSystemException e) {
                if (e instanceof FileAlreadyExistsException exists) {
                    throw exists;
                }
                if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                    throw new FileAlreadyExistsException(target.toString());
                }
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
        syncDirectory(directory);
    }

    /**
     * A hidden temporary file in {@code directory} holding {@code bytes}, forced to disk, named after
     * {@code target} (scans that skip dot files never see it). Deleted again if writing fails.
     */
    private static Path durableTemp(Path directory, Path target, byte[] bytes) throws IOException {
        Files.createDirectories(directory);
        Path temp = Files.createTempFile(directory, "." + target.getFileName(), ".tmp");
        try {
            Files.write(temp, bytes);
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                channel.force(true);
            }
            return temp;
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
    }

    /**
     * Makes a directory's new entries durable (after a rename or link). Not every platform can
     * open a directory; there this is a no-op.
     */
    public static void syncDirectory(Path directory) {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // best effort
        }
    }
}
