package com.fmawsss.prompts;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A durable {@link PromptRegistry} backed by a directory (normally {@code
 * <fma.state.dir>/prompts/}) that replicas may share.
 *
 * <ul>
 *   <li>Every learned version is one immutable {@code <version>.safetensors} file ({@link
 *       PromptVersionFiles}), published with {@code link(2)} so that it never overwrites one.
 *   <li>The active version is recorded in {@code active.json} ({@link ActiveVersionFile}),
 *       replaced atomically.
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
    public static final String VERSION_SUFFIX = PromptVersionFiles.SUFFIX;

    /** Name of the file recording the active version. */
    public static final String ACTIVE_FILE = ActiveVersionFile.NAME;

    /** Version ids must be safe, portable file names. */
    private static final Pattern VERSION_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    private static final Logger LOG = LoggerFactory.getLogger(PromptStore.class);

    private final Path dir;
    private final int textWidth;
    private final PromptVersionFiles files;
    private final ActiveVersionFile activeFile;
    // Serialises disk and memory updates, so a poll can never undo a concurrent local activation.
    private final Object lock = new Object();
    private String unknownActiveWarned;

    /**
     * Opens (creating if needed) the store and loads its versions and active version.
     *
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
        this.files = new PromptVersionFiles(this.dir);
        this.activeFile = new ActiveVersionFile(this.dir);
        synchronized (lock) {
            files.removeStaleTempFiles();
            scanVersions();
            String wanted = activeFile.read().orElse(DEFAULT_VERSION);
            if (get(wanted).isPresent()) {
                super.activate(wanted);
            } else {
                LOG.warn("Active prompt version '{}' recorded in {} is not available; using {}", wanted,
                        activeFile.path(), DEFAULT_VERSION);
                unknownActiveWarned = wanted;
            }
            LOG.info("Prompt store {}: {} versions, active {}", this.dir, versions().size(), active().id());
        }
    }

    /**
     * Tells whether a string can be a version id: 1-128 characters of {@code A-Z a-z 0-9 . _ -},
     * starting with a letter or digit.
     */
    public static boolean isValidVersionId(String version) {
        return version != null && VERSION_ID.matcher(version).matches();
    }

    /** The absolute store directory. */
    public Path directory() {
        return dir;
    }

    /**
     * Stores a new version durably and registers it. A {@link PromptInfo#CREATED_AT} entry is added
     * when absent.
     *
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
                files.publish(stored);
            } catch (FileAlreadyExistsException e) {
                throw exists(set.id());
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
                activeFile.write(next.id(), previous.id());
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
                Optional<String> recorded = activeFile.read();
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

    private void scanVersions() {
        files.scan(version -> get(version).isPresent(), this::requireStorable).forEach(super::register);
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
}
