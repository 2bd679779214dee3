package com.fmawsss.prompts;

import com.fmawsss.tensors.Safetensors;
import com.fmawsss.tensors.TensorFormatException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One-file serialisation of a {@link PromptSet}: a safetensors file whose tensors are the learned
 * contexts and whose metadata entry {@value #METADATA_KEY} holds the vocabulary and settings as
 * JSON. Writing is deterministic, so a set read back and written again gives the same bytes.
 */
public final class PromptSetFile {

    /** Metadata key of the JSON description. */
    public static final String METADATA_KEY = "promptSet";

    /** Version of the JSON description. */
    public static final int FORMAT_VERSION = 1;

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private PromptSetFile() {}

    /**
     * Serialises a prompt set.
     *
     * @param set the set
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
        return Safetensors.write(new Safetensors.Content(set.contexts(), Map.of(METADATA_KEY, JSON.writeValueAsString(root))));
    }

    /**
     * Parses a prompt-set file.
     *
     * @param bytes the file bytes
     * @return the prompt set
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
            return new PromptSet(
                    root.path("id").asString(),
                    PromptKind.valueOf(root.path("kind").asString().toUpperCase()),
                    PromptLayout.valueOf(root.path("layout").asString().toUpperCase()),
                    new Vocabulary(root.path("vocabulary").asString(), classes, background),
                    root.path("contextTokens").asInt(),
                    content.tensors(),
                    info);
        } catch (JacksonException | IllegalArgumentException e) {
            throw new TensorFormatException("invalid prompt-set description: " + e.getMessage(), e);
        }
    }
}
