package com.fmawsss.prompts;

import com.fmawsss.io.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code active.json} of a prompt store: which version is active, replaced atomically (temp file,
 * fsync, rename, directory fsync) so replicas sharing the directory read the old or the new
 * version, never a torn file.
 */
final class ActiveVersionFile {

    static final String NAME = "active.json";

    private static final JsonMapper JSON = JsonMapper.builder().build();
    // One log category for the whole store.
    private static final Logger LOG = LoggerFactory.getLogger(PromptStore.class);

    private final Path file;

    ActiveVersionFile(Path storeDirectory) {
        this.file = storeDirectory.resolve(NAME);
    }

    Path path() {
        return file;
    }

    /** The recorded version; empty when there is no file or it names none (a broken file is logged). */
    Optional<String> read() {
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

    void write(String version, String previous) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", version);
        root.put("previous", previous);
        root.put("activatedAt", Instant.now().toString());
        AtomicFiles.write(file, JSON.writeValueAsString(root).getBytes(StandardCharsets.UTF_8));
        AtomicFiles.syncDirectory(file.getParent());
    }
}
