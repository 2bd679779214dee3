package com.fmawsss.prompts;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A durable {@link PromptRegistry} backed by a directory (normally {@code
 * <fma.state.dir>/prompts/}) that replicas may share.
 *
 * <ul>
 *   <li>Every learned version is one immutable {@code <version>.safetensors} file ({@link
 *       PromptSetFile} format). It is written to a temp file in the same directory, fsynced and
 *       then published under its final name with {@code link(2)}, which fails instead of
 *       overwriting an existing version.
 *   <li>The active version is recorded in {@code active.json}, replaced atomically (temp file,
 *       fsync, atomic rename).
 *   <li>On startup every valid version file is loaded; a file that cannot be parsed completely is
 *       logged and skipped. A missing or unknown active version falls back to {@code manual-voc}.
 *   <li>{@link #refresh()} (run every poll interval by the application's task scheduler) loads
 *       version files written by other replicas and follows activations they recorded.
 * </ul>
 *
 * The built-in manual sets are never files. Versions are never deleted by the service.
 */
public class PromptStore extends PromptRegistry {

    /** File name suffix of version files. */
    public static final String VERSION_SUFFIX = ".safetensors";

    /** Name of the file recording the active version. */
    public static final String ACTIVE_FILE = "active.json";

    /** Version ids must be safe, portable file names. */
    private static final Pattern VERSION_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    private static final String TEMP_SUFFIX = ".tmp";
    private static final Duration STALE_TEMP_AGE = Duration.ofHours(1);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Logger LOG = LoggerFactory.getLogger(PromptStore.class);

    private final Path dir;
    private final int textWidth;
    // Serialises disk and memory updates, so a poll can never undo a concurrent local activation.
    private final Object lock = new Object();
    private final Map<String, FileStamp> rejected = new HashMap<>();
    private String unknownActiveWarned;

    /** Size and modification time of a rejected file: it is retried only when it changes. */
    private record FileStamp(long size, long modified) {}

    /**
     * Opens (creating if needed) the store and loads its versions and active version.
     *
     * @param dir the store directory
     * @param textWidth CLIP text width {@code Dt} learned contexts must have; 0 accepts any width
     * @throws UncheckedIOException when the directory cannot be created or listed
     */
    public PromptStore(Path dir, int textWidth) {
        this.dir = dir.toAbsolutePath().normalize();
        this.textWidth = textWidth;
        try {
            Files.createDirectories(this.dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the prompt store directory " + this.dir, e);
        }
        synchronized (lock) {
            removeStaleTempFiles();
            scanVersions();
            String wanted = readActive().orElse(DEFAULT_VERSION);
            if (get(wanted).isPresent()) {
                super.activate(wanted);
            } else {
                LOG.warn("Active prompt version '{}' recorded in {} is not available; using {}", wanted,
                        this.dir.resolve(ACTIVE_FILE), DEFAULT_VERSION);
                unknownActiveWarned = wanted;
            }
            LOG.info("Prompt store {}: {} versions, active {}", this.dir, versions().size(), active().id());
        }
    }

    /**
     * Tells whether a string can be a version id: 1-128 characters of {@code A-Z a-z 0-9 . _ -},
     * starting with a letter or digit.
     *
     * @param version the candidate
     * @return true when valid
     */
    public static boolean isValidVersionId(String version) {
        return version != null && VERSION_ID.matcher(version).matches();
    }

    /**
     * Returns the store directory.
     *
     * @return the absolute directory
     */
    public Path directory() {
        return dir;
    }

    /**
     * Stores a new version durably and registers it. A {@link PromptInfo#CREATED_AT} entry is added
     * when absent.
     *
     * @param set the prompt set; its id becomes the version
     * @return the stored set (with {@code createdAt})
     * @throws PromptStoreException when the id is invalid or taken, or the width does not fit
     * @throws UncheckedIOException when the file cannot be written
     */
    public PromptSet add(PromptSet set) {
        requireStorable(set);
        PromptSet stored = set.info().containsKey(PromptInfo.CREATED_AT)
                ? set : set.withInfo(PromptInfo.CREATED_AT, Instant.now().toString());
        synchronized (lock) {
            if (get(set.id()).isPresent()) {
                throw exists(set.id());
            }
            try {
                writeVersion(stored);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write prompt version " + set.id(), e);
            }
            super.register(stored);
        }
        LOG.info("Stored prompt version {} ({}, {} classes)", stored.id(), stored.kind(), stored.vocabulary().classes().size());
        return stored;
    }

    /**
     * Stores a new version durably (see {@link #add}).
     *
     * @param set the prompt set
     * @return false when the version already exists
     */
    @Override
    public boolean register(PromptSet set) {
        try {
            add(set);
            return true;
        } catch (PromptStoreException e) {
            if (e.reason() == PromptStoreException.Reason.VERSION_EXISTS) {
                return false;
            }
            throw e;
        }
    }

    /**
     * Makes a version active: records it in {@code active.json}, then swaps the in-memory
     * reference. Other replicas follow at their next poll.
     *
     * @param version the id
     * @return the previously active set
     * @throws IllegalArgumentException for unknown versions
     * @throws UncheckedIOException when {@code active.json} cannot be written (nothing changes)
     */
    @Override
    public PromptSet activate(String version) {
        synchronized (lock) {
            PromptSet previous = active();
            PromptSet next = get(version).orElseThrow(() -> new IllegalArgumentException("unknown prompt version " + version));
            try {
                writeActive(next.id(), previous.id());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot record the active prompt version", e);
            }
            super.activate(next.id());
            unknownActiveWarned = null;
            LOG.info("Activated prompt version {} (previous {})", next.id(), previous.id());
            return previous;
        }
    }

    /**
     * Loads version files that appeared since the last scan and follows the version recorded in
     * {@code active.json}. Safe to call at any time; failures are logged, never thrown.
     */
    public void refresh() {
        synchronized (lock) {
            try {
                scanVersions();
                Optional<String> recorded = readActive();
                if (recorded.isEmpty() || recorded.get().equals(active().id())) {
                    return;
                }
                String wanted = recorded.get();
                if (get(wanted).isPresent()) {
                    PromptSet previous = super.activate(wanted);
                    unknownActiveWarned = null;
                    LOG.info("Picked up activation of prompt version {} (previous {})", wanted, previous.id());
                } else if (!wanted.equals(unknownActiveWarned)) {
                    unknownActiveWarned = wanted;
                    LOG.warn("active.json names prompt version '{}', which is not available here; keeping {}", wanted, active().id());
                }
            } catch (RuntimeException e) {
                LOG.warn("Prompt store refresh failed: {}", e.toString());
            }
        }
    }

    private void requireStorable(PromptSet set) {
        if (!isValidVersionId(set.id())) {
            throw new PromptStoreException(PromptStoreException.Reason.INVALID_VERSION_ID,
                    "version id '" + set.id() + "' is not 1-128 characters of A-Z a-z 0-9 . _ - starting with a letter or digit");
        }
        if (isBuiltIn(set.id())) {
            throw exists(set.id());
        }
        if (set.kind() != PromptKind.MANUAL && textWidth > 0 && set.embeddingWidth() != textWidth) {
            throw new PromptStoreException(PromptStoreException.Reason.INCOMPATIBLE,
                    "prompt set " + set.id() + " has context width " + set.embeddingWidth()
                            + " but the bundle's CLIP text width is " + textWidth);
        }
    }

    private static PromptStoreException exists(String version) {
        return new PromptStoreException(PromptStoreException.Reason.VERSION_EXISTS,
                "prompt version '" + version + "' already exists; versions are immutable, pick a new id");
    }

    private void scanVersions() {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + VERSION_SUFFIX)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                String version = name.substring(0, name.length() - VERSION_SUFFIX.length());
                if (name.startsWith(".") || get(version).isPresent()) {
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
                    requireStorable(set);
                    super.register(set);
                    rejected.remove(name);
                } catch (IOException | RuntimeException e) {
                    // Parsed completely or not at all: a bad file never yields a partial set.
                    rejected.put(name, stamp);
                    LOG.warn("Skipping prompt version file {}: {}", file, e.getMessage());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the prompt store " + dir, e);
        }
    }

    private static FileStamp stamp(Path file) {
        try {
            return new FileStamp(Files.size(file), Files.getLastModifiedTime(file).toMillis());
        } catch (IOException e) {
            return null;
        }
    }

    private Optional<String> readActive() {
        Path file = dir.resolve(ACTIVE_FILE);
        try {
            JsonNode root = JSON.readTree(Files.readAllBytes(file));
            String version = root.path("version").asString("");
            if (version.isEmpty()) {
                LOG.warn("{} names no version; ignoring it", file);
                return Optional.empty();
            }
            return Optional.of(version);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | JacksonException e) {
            LOG.warn("Cannot read {}: {}", file, e.getMessage());
            return Optional.empty();
        }
    }

    private void writeVersion(PromptSet set) throws IOException {
        Path target = dir.resolve(set.id() + VERSION_SUFFIX);
        Path temp = writeTemp(set.id(), PromptSetFile.write(set));
        try {
            try {
                // link(2) publishes the complete file under its name or fails when the name is taken.
                Files.createLink(target, temp);
            } catch (FileAlreadyExistsException e) {
                throw exists(set.id());
            } catch (UnsupportedOperationException | FileSystemException e) {
                // No hard links on this file system: check, then rename (a tiny race between replicas).
                if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                    throw exists(set.id());
                }
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
        syncDirectory();
    }

    private void writeActive(String version, String previous) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", version);
        root.put("previous", previous);
        root.put("activatedAt", Instant.now().toString());
        Path temp = writeTemp("active", JSON.writeValueAsString(root).getBytes(StandardCharsets.UTF_8));
        try {
            Files.move(temp, dir.resolve(ACTIVE_FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
        syncDirectory();
    }

    private Path writeTemp(String name, byte[] bytes) throws IOException {
        // Hidden and suffixed, so scans never mistake it for a version; same directory for rename.
        Path temp = dir.resolve("." + name + "." + UUID.randomUUID() + TEMP_SUFFIX);
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
        return temp;
    }

    /** Makes the new directory entry durable; not every platform can open a directory, which is fine. */
    private void syncDirectory() {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            LOG.debug("Directory fsync not supported for {}: {}", dir, e.toString());
        }
    }

    private void removeStaleTempFiles() {
        Instant cutoff = Instant.now().minus(STALE_TEMP_AGE);
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, ".*" + TEMP_SUFFIX)) {
            for (Path file : files) {
                // Young temp files may belong to a replica writing right now.
                if (Files.getLastModifiedTime(file).toInstant().isBefore(cutoff)) {
                    Files.deleteIfExists(file);
                    LOG.info("Removed stale temp file {}", file);
                }
            }
        } catch (IOException e) {
            LOG.warn("Cannot clean temp files in {}: {}", dir, e.toString());
        }
    }
}
