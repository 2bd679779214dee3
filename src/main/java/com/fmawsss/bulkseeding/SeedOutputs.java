package com.fmawsss.bulkseeding;

import com.fmawsss.masks.CocoRleCodec;
import com.fmawsss.image.ImageLimits;
import com.fmawsss.image.LabelMap;
import com.fmawsss.image.LabelMapPng;
import com.fmawsss.io.AtomicFiles;
import com.fmawsss.masks.CocoRle;
import com.fmawsss.prompts.Vocabulary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.databind.json.JsonMapper;

/**
 * The files of a seed run, one set per sample, named by the sample id in one folder:
 * {@code <id>.png} (VOC palette PNG of vocabulary labels: 0 background, c + 1 for class c) and, on
 * request, {@code <id>.rle.json} (COCO RLE per class) and {@code <id>.cams.npz} (the CAMs).
 *
 * <p>Invariant: every file appears under its final name only complete (temp file + atomic rename),
 * and the PNG is written last, so "the PNG exists" means "this sample is done" and a rerun never
 * trusts a half-written file.
 */
public final class SeedOutputs {

    /** The per-sample files besides the PNG. */
    public enum Extra {
        /** {@code <id>.rle.json}: {@code {id, width, height, classes: [{label, name, area, rle}]}}. */
        RLE(".rle.json"),
        /** {@code <id>.cams.npz}: float32 {@code raw} and {@code refined} CAMs {@code [P, h, w]}. */
        CAMS(".cams.npz");

        private final String suffix;

        Extra(String suffix) {
            this.suffix = suffix;
        }

        public String suffix() {
            return suffix;
        }
    }

    /** Suffix of the label map, the file that marks a sample as done. */
    public static final String LABEL_SUFFIX = ".png";

    // File-name-safe ids: no separators, no leading dot (hidden files, "." and ".."), bounded length.
    private static final Pattern SAFE_ID = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._+-]{0,199}");
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Path directory;
    private final EnumSet<Extra> extras;
    private final Path tempDirectory;

    /**
     * Outputs whose temp files live next to the final files.
     *
     * @param directory the output folder
     * @param extras files written besides the PNG
     */
    public SeedOutputs(Path directory, Set<Extra> extras) {
        this(directory, extras, directory);
    }

    /**
     * Outputs with a private temp directory (one writer's in-flight files, removable after a crash).
     *
     * @param directory the output folder
     * @param extras files written besides the PNG
     * @param tempDirectory temp files until their rename; on the output folder's file system
     */
    public SeedOutputs(Path directory, Set<Extra> extras, Path tempDirectory) {
        this.directory = directory;
        this.extras = extras.isEmpty() ? EnumSet.noneOf(Extra.class) : EnumSet.copyOf(extras);
        this.tempDirectory = tempDirectory;
    }

    public Path directory() {
        return directory;
    }

    public Set<Extra> extras() {
        return EnumSet.copyOf(extras);
    }

    /** Whether a sample id can name files (ids come from datasets, manifests included). */
    public static boolean isSafeId(String id) {
        return SAFE_ID.matcher(id).matches();
    }

    /**
     * The label map of a sample.
     *
     * @throws IllegalArgumentException for an id that cannot be a file name
     */
    public Path labelMap(String id) {
        return file(id, LABEL_SUFFIX);
    }

    /** Whether the sample's outputs are all there (its PNG exists, see the class invariant). */
    public boolean isComplete(String id) {
        return isSafeId(id) && Files.isRegularFile(labelMap(id));
    }

    /** The finished label map of a sample, if any. */
    public Optional<LabelMap> read(String id) throws IOException {
        if (!isComplete(id)) {
            return Optional.empty();
        }
        return Optional.of(LabelMapPng.decode(Files.readAllBytes(labelMap(id)), ImageLimits.defaults()));
    }

    /**
     * Writes a sample's files, the PNG last.
     *
     * @param id the sample id
     * @param seeds vocabulary labels of the image
     * @param vocabulary names of the labels (RLE file)
     * @param camsNpz the CAM archive, or null when the image had no class (no CAMs)
     */
    public void write(String id, LabelMap seeds, Vocabulary vocabulary, byte[] camsNpz) throws IOException {
        Path png = labelMap(id);
        if (extras.contains(Extra.RLE)) {
            AtomicFiles.write(file(id, Extra.RLE.suffix()), rleJson(id, seeds, vocabulary), tempDirectory);
        }
        if (extras.contains(Extra.CAMS) && camsNpz != null) {
            AtomicFiles.write(file(id, Extra.CAMS.suffix()), camsNpz, tempDirectory);
        }
        AtomicFiles.write(png, LabelMapPng.encode(seeds.labels(), seeds.width(), seeds.height()), tempDirectory);
    }

    private Path file(String id, String suffix) {
        if (!isSafeId(id)) {
            throw new IllegalArgumentException("sample id '" + id + "' cannot name an output file"
                    + " (letters, digits and . _ + - only, not starting with a dot, at most 200 characters)");
        }
        return directory.resolve(id + suffix);
    }

    private static byte[] rleJson(String id, LabelMap seeds, Vocabulary vocabulary) {
        int pixels = seeds.labels().length;
        int[] area = new int[vocabulary.classes().size() + 1];
        for (int label : seeds.labels()) {
            area[label]++;
        }
        List<Map<String, Object>> classes = new ArrayList<>();
        for (int label = 1; label < area.length; label++) {
            if (area[label] == 0) {
                continue;
            }
            boolean[] mask = new boolean[pixels];
            for (int p = 0; p < pixels; p++) {
                mask[p] = seeds.labels()[p] == label;
            }
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("label", label);
            entry.put("name", vocabulary.classes().get(label - 1).name());
            entry.put("area", area[label]);
            entry.put("rle", CocoRleCodec.toWire(CocoRle.encode(mask, seeds.height(), seeds.width())));
            classes.add(entry);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", id);
        body.put("width", seeds.width());
        body.put("height", seeds.height());
        body.put("classes", classes);
        return JSON.writeValueAsBytes(body);
    }
}
