package com.fmawsss.datasets;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Resolves paths named inside a dataset (manifest entries, split-list pairs, COCO file names)
 * against a directory, refusing any that leave it.
 *
 * <p>The check is lexical (after normalising {@code ..}); job-level confinement of the dataset root
 * itself, including symlinks, is the job layer's business, so symlinked image folders inside a
 * dataset keep working.
 */
final class DatasetPaths {

    private DatasetPaths() {}

    /**
     * Resolves {@code name} under {@code base}.
     *
     * @param base the directory (absolute or relative)
     * @param name a relative path, or an absolute one that lies under {@code base}
     * @return the normalised path, or empty when it leaves {@code base} or is not a valid path
     */
    static Optional<Path> resolve(Path base, String name) {
        if (name == null || name.isBlank() || name.indexOf('\0') >= 0) {
            return Optional.empty();
        }
        Path root = base.toAbsolutePath().normalize();
        try {
            Path given = Path.of(name);
            Path resolved = (given.isAbsolute() ? given : root.resolve(given)).normalize();
            return resolved.startsWith(root) && !resolved.equals(root) ? Optional.of(resolved) : Optional.empty();
        } catch (InvalidPathException e) {
            return Optional.empty();
        }
    }

    /**
     * Returns a file name without its extension.
     *
     * @param path a file
     * @return e.g. {@code 2007_000032} for {@code JPEGImages/2007_000032.jpg}
     */
    static String stem(Path path) {
        String name = path.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }
}
