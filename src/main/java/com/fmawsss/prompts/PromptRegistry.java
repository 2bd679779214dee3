package com.fmawsss.prompts;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The prompt sets the service can use, by version id, and the active one. Activation is an atomic
 * swap: a request resolves its prompt set once, so in-flight requests finish with the version they
 * started with. The built-in manual CLIP-ES sets ({@code manual-voc}, {@code manual-coco}) are
 * always present; {@code manual-voc} is active until another version is activated.
 */
public class PromptRegistry {

    private final Map<String, PromptSet> sets = new ConcurrentHashMap<>();
    private final AtomicReference<PromptSet> active = new AtomicReference<>();

    /** Creates a registry with the built-in manual prompt sets. */
    public PromptRegistry() {
        register(PromptSet.manual(Vocabulary.voc()));
        register(PromptSet.manual(Vocabulary.coco()));
        active.set(sets.get("manual-voc"));
    }

    /**
     * Adds a prompt set (versions are immutable: an existing id is not replaced).
     *
     * @param set the prompt set
     * @return true when added
     */
    public boolean register(PromptSet set) {
        return sets.putIfAbsent(set.id(), set) == null;
    }

    /**
     * Returns a version.
     *
     * @param version the id
     * @return the prompt set, if known
     */
    public Optional<PromptSet> get(String version) {
        return Optional.ofNullable(sets.get(version));
    }

    /**
     * Returns the active prompt set.
     *
     * @return the active set
     */
    public PromptSet active() {
        return active.get();
    }

    /**
     * Makes a version active.
     *
     * @param version the id
     * @return the previously active set
     * @throws IllegalArgumentException for unknown versions
     */
    public PromptSet activate(String version) {
        PromptSet set = get(version).orElseThrow(() -> new IllegalArgumentException("unknown prompt version " + version));
        return active.getAndSet(set);
    }

    /**
     * Lists all versions.
     *
     * @return the ids, sorted
     */
    public List<String> versions() {
        return sets.keySet().stream().sorted().toList();
    }
}
