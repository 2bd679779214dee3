package com.fmawsss.bundle;

import com.fmawsss.io.Sha256;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks a bundle directory against its {@code manifest.json} before anything is loaded: format
 * version, presence of every required module, and size and SHA-256 of every listed file. A bundle
 * that fails is refused with a {@link BundleException} naming the file and the problem.
 */
public final class BundleVerifier {

    /** Files every bundle must list, besides the modules. */
    private static final List<String> REQUIRED_EXTRA_FILES = List.of("tokenizer.json");

    private static final Set<String> DTYPES = Set.of("float32", "float16");

    // Unknown manifest fields are allowed: newer exporters may add information.
    private final JsonMapper mapper =
            JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

    /**
     * Verifies a bundle directory.
     *
     * @param dir the bundle directory
     * @return the parsed manifest, once every check passed
     * @throws BundleException naming the first offending file and what is wrong with it
     */
    public BundleManifest verify(Path dir) {
        BundleManifest manifest = readManifest(dir);
        requireListed(manifest);
        List<Map.Entry<String, BundleManifest.FileEntry>> entries =
                new ArrayList<>(manifest.files().entrySet());
        // Sizes first: a truncated copy is reported without hashing gigabytes of SAM weights.
        for (Map.Entry<String, BundleManifest.FileEntry> e : entries) {
            checkSize(dir, e.getKey(), e.getValue());
        }
        for (Map.Entry<String, BundleManifest.FileEntry> e : entries) {
            checkDigest(dir, e.getKey(), e.getValue());
        }
        return manifest;
    }

    /**
     * Reads and parses {@code manifest.json} and checks its format version, without looking at the
     * other files.
     *
     * @param dir the bundle directory
     * @throws BundleException when the directory or manifest is missing, unparseable or of another
     *     format version
     */
    public BundleManifest readManifest(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw BundleException.general(
                    "bundle directory "
                            + dir.toAbsolutePath()
                            + " does not exist or is not a directory (fma.bundle.dir /"
                            + " FMA_BUNDLE_DIR must name a directory written by models/export.py)",
                    null);
        }
        Path file = dir.resolve(BundleManifest.FILE_NAME);
        if (!Files.isRegularFile(file)) {
            throw BundleException.forFile(
                    BundleManifest.FILE_NAME,
                    "missing in "
                            + dir.toAbsolutePath()
                            + " — this is not a model bundle (expected a directory written by"
                            + " models/export.py)");
        }
        byte[] json;
        try {
            json = Files.readAllBytes(file);
        } catch (IOException e) {
            throw BundleException.forFile(
                    BundleManifest.FILE_NAME, "cannot be read: " + e.getMessage(), e);
        }
        return parseManifest(json);
    }

    /**
     * Parses manifest content and checks its format version and required fields.
     *
     * @param json the content of {@code manifest.json}
     * @throws BundleException when it is unparseable, of another format version or incomplete
     */
    public BundleManifest parseManifest(byte[] json) {
        JsonNode tree;
        try {
            tree = mapper.readTree(json);
        } catch (JacksonException e) {
            throw unparseable(e);
        }
        if (tree == null || !tree.isObject()) {
            throw BundleException.forFile(
                    BundleManifest.FILE_NAME,
                    "cannot be parsed (not a JSON object) — the bundle is corrupt");
        }
        JsonNode version = tree.get("formatVersion");
        if (version == null || !version.isIntegralNumber()) {
            throw BundleException.forFile(
                    BundleManifest.FILE_NAME,
                    "has no integer formatVersion — not a bundle manifest");
        }
        if (version.asInt() != BundleManifest.FORMAT_VERSION) {
            throw BundleException.forFile(
                    BundleManifest.FILE_NAME,
                    "formatVersion "
                            + version.asString()
                            + " is not supported (this service reads version "
                            + BundleManifest.FORMAT_VERSION
                            + ") — export the bundle with the models/export.py of this release");
        }
        BundleManifest manifest;
        try {
            manifest = mapper.treeToValue(tree, BundleManifest.class);
        } catch (JacksonException e) {
            throw unparseable(e);
        }
        requireFields(manifest);
        return manifest;
    }

    private static BundleException unparseable(JacksonException e) {
        return BundleException.forFile(
                BundleManifest.FILE_NAME,
                "cannot be parsed ("
                        + e.getOriginalMessage()
                        + ") — the bundle is corrupt or not a bundle manifest",
                e);
    }

    private static void requireFields(BundleManifest m) {
        if (m.clip() == null) {
            throw missingField("clip");
        }
        if (m.sam() == null) {
            throw missingField("sam");
        }
        if (m.dtype() == null || !DTYPES.contains(m.dtype())) {
            throw BundleException.forFile(
                    BundleManifest.FILE_NAME,
                    "dtype " + m.dtype() + " is not supported (expected float32 or float16)");
        }
        requireVariants(m);
        for (Map.Entry<String, BundleManifest.FileEntry> e : m.files().entrySet()) {
            BundleManifest.FileEntry f = e.getValue();
            if (f == null || f.sha256() == null || f.sha256().length() != 64 || f.bytes() < 0) {
                throw BundleException.forFile(
                        BundleManifest.FILE_NAME,
                        "entry for " + e.getKey() + " needs a 64-hex-digit sha256 and bytes ≥ 0");
            }
        }
    }

    /** Variants replace known modules with files the manifest lists (and so checksums). */
    private static void requireVariants(BundleManifest m) {
        Set<String> modules = new HashSet<>();
        for (BundleModule module : BundleModule.values()) {
            modules.add(module.path());
        }
        m.computeVariants().forEach((dtype, variants) -> variants.forEach((module, file) -> {
            if (!modules.contains(module) || file == null || !m.files().containsKey(file)) {
                throw BundleException.forFile(
                        BundleManifest.FILE_NAME,
                        "computeVariants." + dtype + " maps " + module + " to " + file
                                + ", which is not a module and a listed file — the bundle is corrupt");
            }
        }));
    }

    private static BundleException missingField(String name) {
        return BundleException.forFile(
                BundleManifest.FILE_NAME, "missing field '" + name + "' — the bundle is corrupt");
    }

    private static void requireListed(BundleManifest m) {
        List<String> required = new ArrayList<>(REQUIRED_EXTRA_FILES);
        for (BundleModule module : BundleModule.values()) {
            if (module.required()) {
                required.add(module.path());
            }
        }
        for (String path : required) {
            if (!m.files().containsKey(path)) {
                throw BundleException.forFile(
                        BundleManifest.FILE_NAME,
                        "does not list the required file " + path + " — the bundle is incomplete");
            }
        }
    }

    /**
     * Resolves a manifest path inside the bundle, refusing paths that could escape it (the manifest
     * is data, not trusted code).
     */
    static Path resolveInside(Path dir, String relative) {
        Path base = dir.toAbsolutePath().normalize();
        if (relative.isEmpty()
                || relative.startsWith("/")
                || relative.contains("\\")
                || relative.contains(":")) {
            throw BundleException.forFile(relative, "is not a relative path with / separators");
        }
        Path resolved = base.resolve(relative).normalize();
        if (!resolved.startsWith(base) || resolved.equals(base)) {
            throw BundleException.forFile(relative, "points outside the bundle directory");
        }
        return resolved;
    }

    private static void checkSize(Path dir, String relative, BundleManifest.FileEntry entry) {
        Path file = resolveInside(dir, relative);
        if (!Files.isRegularFile(file)) {
            throw BundleException.forFile(
                    relative, "missing (listed in manifest.json) — the bundle is incomplete");
        }
        long actual;
        try {
            actual = Files.size(file);
        } catch (IOException e) {
            throw BundleException.forFile(relative, "cannot be read: " + e.getMessage(), e);
        }
        if (actual != entry.bytes()) {
            throw BundleException.forFile(
                    relative,
                    "size mismatch (expected "
                            + entry.bytes()
                            + " bytes, got "
                            + actual
                            + ") — the bundle is incomplete or was modified");
        }
    }

    private static void checkDigest(Path dir, String relative, BundleManifest.FileEntry entry) {
        String actual;
        try {
            actual = sha256(resolveInside(dir, relative));
        } catch (IOException e) {
            throw BundleException.forFile(relative, "cannot be read: " + e.getMessage(), e);
        }
        if (!actual.equalsIgnoreCase(entry.sha256())) {
            throw BundleException.forFile(
                    relative,
                    "SHA-256 mismatch (expected "
                            + entry.sha256()
                            + ", got "
                            + actual
                            + ") — the bundle is corrupt or was modified");
        }
    }

    public static String sha256(Path file) throws IOException {
        return Sha256.hex(file);
    }

    public static String sha256(byte[] bytes) {
        return Sha256.hex(bytes);
    }
}
