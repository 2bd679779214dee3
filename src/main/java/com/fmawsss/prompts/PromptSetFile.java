package com.fmawsss.prompts;

import com.fmawsss.io.Sha256;
import com.fmawsss.tensors.FloatTensor;
import com.fmawsss.tensors.Safetensors;
import com.fmawsss.tensors.TensorFormatException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One-file serialisation of a {@link PromptSet}: a safetensors file whose tensors are the learned
 * contexts and whose metadata entry {@value #METADATA_KEY} holds the vocabulary and settings as
 * JSON. Writing is deterministic, so a set read back and written again gives the same bytes.
 * The metadata entry {@value #CHECKSUM_KEY} holds the SHA-256 of the description and the
 * contexts, so a damaged file is refused instead of loading changed prompts; files written before
 * it existed have none and are read unverified.
 */
public final class PromptSetFile {

    /** Metadata key of the JSON description. */
    public static final String METADATA_KEY = "promptSet";

    /** Metadata key of the SHA-256 of the description and the contexts (see {@link #checksum}). */
    public static final String CHECKSUM_KEY = "sha256";

    /** Version of the JSON description. */
    public static final int FORMAT_VERSION = 1;

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private PromptSetFile() {}

    /**
     * Serialises a prompt set.
     *
     * @return the file bytes
     */
    public static byte[] write(PromptSet set) {
        ObjectNode root = JSON.createObjectNode();
        root.put("formatVersion", FORMAT_VERSION);
        root.put("id", set.id());
        root.put("kind", set.kind().name().toLowerCase());
        root.put("layout", set.layout().name().toLowerCase());
        root.put("contextTokens", set.contextTokens());
        // Derived settings are written out so readers in other languages need no layout rules.
        root.put("labelPosition", set.labelFirst() ? "start" : "end");
        root.put("sharedContext", set.sharedContext());
        root.put("vocabulary", set.vocabulary().name());
        ArrayNode classes = root.putArray("classes");
        set.vocabulary().classes().forEach(c -> classes.addObject().put("name", c.name()).put("prompt", c.prompt()));
        ArrayNode background = root.putArray("background");
        for (int i = 0; i < set.vocabulary().background().size(); i++) {
            background.addObject().put("name", set.vocabulary().background().get(i).name()).put("prompt", set.backgroundText(i));
        }
        ObjectNode info = root.putObject("info");
        set.info().forEach(info::put);
        String description = JSON.writeValueAsString(root);
        return Safetensors.write(new Safetensors.Content(set.contexts(),
                Map.of(METADATA_KEY, description, CHECKSUM_KEY, checksum(description, set.contexts()))));
    }

    /**
     * SHA-256 over the description's UTF-8 bytes, then every tensor in name order: its name, a NUL,
     * its shape and its float bits (little-endian int32 each).
     *
     * @param description the JSON description
     * @param tensors the contexts
     * @return lower-case hex
     */
    static String checksum(String description, Map<String, FloatTensor> tensors) {
        MessageDigest digest = Sha256.newDigest();
        digest.update(description.getBytes(StandardCharsets.UTF_8));
        new TreeMap<>(tensors).forEach((name, tensor) -> {
            digest.update(name.getBytes(StandardCharsets.UTF_8));
            digest.update((byte) 0);
            ByteBuffer bytes = ByteBuffer.allocate(4 * (tensor.shape().length + tensor.data().length)).order(ByteOrder.LITTLE_ENDIAN);
            for (int dim : tensor.shape()) {
                bytes.putInt(dim);
            }
            for (float value : tensor.data()) {
                bytes.putInt(Float.floatToRawIntBits(value));
            }
            digest.update(bytes.array());
        });
        return HexFormat.of().formatHex(digest.digest());
    }

    /**
     * Parses a prompt-set file.
     *
     * @param bytes the file bytes
     * @throws TensorFormatException when the file is not a valid prompt set
     */
    public static PromptSet read(byte[] bytes) {
        Safetensors.Content content = Safetensors.read(bytes);
        String json = content.metadata().get(METADATA_KEY);
        if (json == null) {
            throw new TensorFormatException("not a prompt-set file: no '" + METADATA_KEY + "' metadata");
        }
        try {
            JsonNode root = JSON.readTree(json);
            if (root.path("formatVersion").asInt() != FORMAT_VERSION) {
                throw new TensorFormatException("unsupported prompt-set format version " + root.path("formatVersion"));
            }
            List<VocabularyEntry> classes = new ArrayList<>();
            root.path("classes").forEach(c -> classes.add(new VocabularyEntry(c.path("name").asString(), c.path("prompt").asString())));
            List<VocabularyEntry> background = new ArrayList<>();
            // Background entries keep their names; pure-context prompts are a property of the layout.
            root.path("background").forEach(b -> background.add(VocabularyEntry.plain(b.path("name").asString())));
            Map<String, String> info = new LinkedHashMap<>();
            root.path("info").properties().forEach(e -> info.put(e.getKey(), e.getValue().asString()));
            // Structure first (precise messages), then integrity.
            PromptSet set = new PromptSet(
                    root.path("id").asString(),
                    PromptKind.valueOf(root.path("kind").asString().toUpperCase()),
                    PromptLayout.valueOf(root.path("layout").asString().toUpperCase()),
                    new Vocabulary(root.path("vocabulary").asString(), classes, background),
                    root.path("contextTokens").asInt(),
                    content.tensors(),
                    info);
            String recorded = content.metadata().get(CHECKSUM_KEY);
            if (recorded != null && !recorded.equals(checksum(json, content.tensors()))) {
                throw new TensorFormatException("the file is corrupt: the SHA-256 of its description and contexts does not match"
                        + " the one recorded when it was written");
            }
            // A non-finite context (a diverged training, a file without checksum) must refuse the file,
            // not poison every CAM computed with it.
            content.tensors().forEach((name, tensor) -> {
                float[] data = tensor.data();
                for (int i = 0; i < data.length; i++) {
                    if (!Float.isFinite(data[i])) {
                        throw new TensorFormatException("context '" + name + "' holds a non-finite value at index " + i);
                    }
                }
            });
            return set;
        } catch (JacksonException | IllegalArgumentException e) {
            throw new TensorFormatException("invalid prompt-set description: " + e.getMessage(), e);
        }
    }
}
