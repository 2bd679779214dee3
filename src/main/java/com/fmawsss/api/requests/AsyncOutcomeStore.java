package com.fmawsss.api.requests;

import com.fmawsss.io.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * The files of asynchronous requests under {@code <state>/requests/}: {@code <id>.json} (the
 * record), {@code <id>.result.json} and {@code <id>.png} (a result), {@code <id>.problem.json} (a
 * failure). Every file is written to a temp file and renamed, result files before the record that
 * points at them, so a crash never leaves a record pointing at half a result.
 */
final class AsyncOutcomeStore {

    private static final Logger LOG = LoggerFactory.getLogger(AsyncOutcomeStore.class);
    private static final JsonMapper JSON = JsonMapper.builder().findAndAddModules().build();
    static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{22}");

    private static final String RECORD = "json";
    private static final String RESULT_JSON = "result.json";
    private static final String RESULT_PNG = "png";
    private static final String PROBLEM = "problem.json";

    private final Path directory;

    AsyncOutcomeStore(Path directory) {
        this.directory = directory;
    }

    void save(AsyncRecord record) {
        try {
            AtomicFiles.write(file(record.id(), RECORD), JSON.writeValueAsBytes(record));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file(record.id(), RECORD), e);
        }
    }

    /** @return the bytes written */
    long writeResult(String id, byte[] json, byte[] png) throws IOException {
        AtomicFiles.write(file(id, RESULT_JSON), json);
        AtomicFiles.write(file(id, RESULT_PNG), png);
        return json.length + png.length;
    }

    void writeProblem(String id, byte[] problem) throws IOException {
        AtomicFiles.write(file(id, PROBLEM), problem);
    }

    byte[] readResult(String id, boolean png) throws IOException {
        return Files.readAllBytes(file(id, png ? RESULT_PNG : RESULT_JSON));
    }

    byte[] readProblem(String id) throws IOException {
        return Files.readAllBytes(file(id, PROBLEM));
    }

    /** Deletes every file of the request; whoever then finds the id gone finds its files gone too. */
    void delete(String id) {
        for (String suffix : List.of(RECORD, RESULT_JSON, RESULT_PNG, PROBLEM)) {
            try {
                Files.deleteIfExists(file(id, suffix));
            } catch (IOException e) {
                LOG.warn("cannot delete {}: {}", file(id, suffix), e.toString());
            }
        }
    }

    /**
     * The records a previous process left: finished ones as they are, pending ones marked (and saved)
     * as interrupted, never to be answered with a server error.
     */
    List<AsyncRecord> recover(Instant now) {
        List<AsyncRecord> records = new ArrayList<>();
        if (!Files.isDirectory(directory)) {
            return records;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*." + RECORD)) {
            for (Path path : files) {
                String name = path.getFileName().toString();
                String id = name.substring(0, name.length() - RECORD.length() - 1);
                if (!ID.matcher(id).matches()) {
                    continue; // result.json / problem.json files, or foreign files
                }
                AsyncRecord record;
                try {
                    record = JSON.readValue(Files.readAllBytes(path), AsyncRecord.class);
                } catch (IOException | RuntimeException e) {
                    LOG.warn("ignoring unreadable async request record {}: {}", path, e.toString());
                    continue;
                }
                if (!record.state().finished()) {
                    record = record.finish(AsyncState.INTERRUPTED, now, 410,
                            "the service restarted before the request finished; submit it again", null, null, 0);
                    save(record);
                }
                records.add(record);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + directory, e);
        }
        return records;
    }

    private Path file(String id, String suffix) {
        return directory.resolve(id + "." + suffix);
    }
}
