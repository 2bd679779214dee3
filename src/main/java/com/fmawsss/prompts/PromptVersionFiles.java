package com.fmawsss.prompts;

import com.fmawsss.io.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.util.function.Consumer;

/**
 * The immutable version files of a prompt store, one {@code <version>.safetensors} each ({@link
 * PromptSetFile} format): publishing a new one (never overwriting), finding the ones other
 * replicas wrote, and remembering the files that failed to parse so they are retried only when
 * they change. Not thread-safe: the store calls it under its lock.
 */
final class PromptVersionFiles {

    static final String SUFFIX = ".safetensors";

    private static final Duration STALE_TEMP_AGE = Duration.ofHours(1);
    // One log category for the whole store.
    private static final Logger LOG = LoggerFactory.getLogger(PromptStore.class);

    /** Size and modification time of a rejected file: it is retried only when it changes. */
    private record FileStamp(long size, long modified) {}

    private final Path dir;
    private final Map<String, FileStamp> rejected = new HashMap<>();

    PromptVersionFiles(Path dir) {
        this.dir = dir;
    }

    /** @throws FileAlreadyExistsException when the version's file exists (written by another replica) */
    void publish(PromptSet set) throws IOException {
        AtomicFiles.publish(dir.resolve(set.id() + SUFFIX), PromptSetFile.write(set));
    }

    /**
     * Reads every version file not yet known and not rejected before in its current state. A file
     * is parsed completely or not at all, and must hold the version its name says and pass {@code
     * accept}; otherwise it is logged and skipped.
     *
     * @param known versions already loaded
     * @param accept throws when a parsed set cannot be served (e.g. the wrong width)
     */
    List<PromptSet> scan(Predicate<String> known, Consumer<PromptSet> accept) {
        List<PromptSet> found = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                String version = name.substring(0, name.length() - SUFFIX.length());
                if (name.startsWith(".") || known.test(version)) {
                    continue;
                }
                FileStamp stamp = stamp(file);
                if (stamp == null || stamp.equals(rejected.get(name))) {
                    continue;
                }
                try {
                    PromptSet set = PromptSetFile.read(Files.readAllBytes(file));
                    if (!set.id().equals(version)) {
                        throw new IllegalArgumentException("the file holds version '" + set.id() + "'");
                    }
                    accept.accept(set);
                    found.add(set);
                    rejected.remove(name);
                } catch (IOException | RuntimeException e) {
                    rejected.put(name, stamp);
                    LOG.warn("Skipping prompt version file {}: {}", file, e.getMessage());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the prompt store " + dir, e);
        }
        return found;
    }

    /** Removes temp files a crashed writer left; young ones may belong to a replica writing right now. */
    void removeStaleTempFiles() {
        Instant cutoff = Instant.now().minus(STALE_TEMP_AGE);
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, ".*.tmp")) {
            for (Path file : files) {
                if (Files.getLastModifiedTime(file).toInstant().isBefore(cutoff)) {
                    Files.deleteIfExists(file);
                    LOG.info("Removed stale temp file {}", file);
                }
            }
        } catch (IOException e) {
            LOG.warn("Cannot clean temp files in {}: {}", dir, e.toString());
        }
    }

    private static FileStamp stamp(Path file) {
        try {
            return new FileStamp(Files.size(file), Files.getLastModifiedTime(file).toMillis());
        } catch (IOException e) {
            return null;
        }
    }
}
