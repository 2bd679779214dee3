package com.fmawsss.batch;

import com.fmawsss.io.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The bookkeeping of a run inside its output folder, next to the per-image files:
 *
 * <pre>
 * &lt;out&gt;/shards/&lt;index&gt;.json   shard records ({@link ShardRecord})
 * &lt;out&gt;/.partial/&lt;index&gt;/     temp files of shard &lt;index&gt; until their atomic rename
 * &lt;out&gt;/report.json             written by seed-merge
 * </pre>
 *
 * Only the process of shard {@code i} writes {@code shards/i.json} and {@code .partial/i/}, so a
 * starting shard may empty its own temp directory: whatever is there was left by a killed attempt.
 */
final class RunFolder {

    static final String SHARDS = "shards";
    static final String PARTIAL = ".partial";
    static final String REPORT = "report.json";

    private static final Pattern RECORD_NAME = Pattern.compile("(\\d{1,9})\\.json");
    static final JsonMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    private final Path out;

    RunFolder(Path out) {
        this.out = out;
    }

    Path out() {
        return out;
    }

    Path record(int index) {
        return out.resolve(SHARDS).resolve(index + ".json");
    }

    Path tempDirectory(int index) {
        return out.resolve(PARTIAL).resolve(Integer.toString(index));
    }

    Path report() {
        return out.resolve(REPORT);
    }

    void write(ShardRecord record) throws IOException {
        AtomicFiles.write(record(record.index()), JSON.writeValueAsBytes(record), tempDirectory(record.index()));
    }

    /** Every shard record in the folder, by index; an unreadable record is a configuration error. */
    List<ShardRecord> records() {
        Path dir = out.resolve(SHARDS);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<ShardRecord> records = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.sorted().toList()) {
                Matcher name = RECORD_NAME.matcher(file.getFileName().toString());
                if (!name.matches()) {
                    continue;
                }
                ShardRecord record = read(file);
                if (record.index() != Integer.parseInt(name.group(1))) {
                    throw BatchException.configuration(file + " holds the record of shard " + record.index());
                }
                records.add(record);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
        records.sort(Comparator.comparingInt(ShardRecord::index));
        return records;
    }

    private static ShardRecord read(Path file) throws IOException {
        try {
            ShardRecord record = JSON.readValue(Files.readAllBytes(file), ShardRecord.class);
            if (record.formatVersion() != ShardRecord.FORMAT_VERSION || record.pins() == null) {
                throw BatchException.configuration(file + " is not a shard record of format " + ShardRecord.FORMAT_VERSION);
            }
            return record;
        } catch (JacksonException e) {
            throw BatchException.configuration("cannot read the shard record " + file + ": " + e.getOriginalMessage(), e);
        }
    }

    /** Deletes a temp directory and everything in it; returns how many files were removed. */
    static int deleteTree(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        int removed = 0;
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                if (Files.isRegularFile(p)) {
                    removed++;
                }
                Files.deleteIfExists(p);
            }
        }
        return removed;
    }
}
