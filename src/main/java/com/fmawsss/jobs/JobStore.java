package com.fmawsss.jobs;

import com.fmawsss.io.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;
import java.util.Comparator;

/**
 * Job records as one JSON file per job under a directory, each written to a temporary file,
 * forced to disk and renamed over the old one: a crash leaves either the old or the new record,
 * never a torn one.
 */
public final class JobStore {

    private static final Logger LOG = LoggerFactory.getLogger(JobStore.class);
    private static final JsonMapper JSON = JsonMapper.builder().findAndAddModules().build();

    private final Path directory;

    /**
     * Opens (and creates) a store.
     *
     * @param directory where records live
     */
    public JobStore(Path directory) {
        this.directory = directory;
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the job directory " + directory, e);
        }
    }

    /** Writes a record atomically. */
    public synchronized void save(JobRecord record) {
        Path target = directory.resolve(record.id() + ".json");
        try {
            AtomicFiles.write(target, JSON.writeValueAsBytes(record));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write job record " + target + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads one record.
     *
     * @param id job id
     * @return the record if present and readable
     */
    public Optional<JobRecord> get(String id) {
        if (!id.matches("[A-Za-z0-9_-]{1,64}")) {
            return Optional.empty();
        }
        return read(directory.resolve(id + ".json"));
    }

    /**
     * Reads every record (unreadable files are logged and skipped).
     *
     * @return the records, oldest first
     */
    public List<JobRecord> all() {
        List<JobRecord> records = new ArrayList<>();
        try (Stream<Path> files = Files.list(directory)) {
            files.filter(p -> p.getFileName().toString().endsWith(".json")).sorted()
                    .forEach(p -> read(p).ifPresent(records::add));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        records.sort(Comparator.comparing(JobRecord::createdAt).thenComparing(JobRecord::id));
        return records;
    }

    /**
     * Returns a job's private directory (checkpoints), created on demand.
     *
     * @param id job id
     */
    public Path workDirectory(String id) {
        Path dir = directory.resolve(id);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }

    private Optional<JobRecord> read(Path file) {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readValue(file.toFile(), JobRecord.class));
        } catch (RuntimeException e) {
            LOG.warn("skipping unreadable job record {}: {}", file, e.getMessage());
            return Optional.empty();
        }
    }
}
