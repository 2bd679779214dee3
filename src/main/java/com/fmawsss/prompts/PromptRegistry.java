package com.fmawsss.prompts;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The prompt sets the service can use, by version id, and the active one. Activation is an atomic
 * swap: a request resolves its prompt set once, so in-flight requests finish with the version they
 * started with. The built-in manual CLIP-ES sets ({@code manual-voc}, {@code manual-coco}) are
 * always present; {@code manual-voc} is active until another version is activated.
 *
 * <p>This class keeps everything in memory; {@link PromptStore} adds durability and replica
 * synchronisation on top of it.
 */
public class PromptRegistry {

    /** Version id of the built-in manual VOC prompt set, active by default. */
    public static final String DEFAULT_VERSION = "manual-voc";

    /** Version ids of the built-in manual prompt sets (not files in a store). */
    public static final Set<String> BUILT_IN = Set.of("manual-voc", "manual-coco");

    private final Map<String, PromptSet> sets = new ConcurrentHashMap<>();
    private final AtomicReference<PromptSet> active = new AtomicReference<>();

    /** Creates a registry with the built-in manual prompt sets. */
    public PromptRegistry() {
        sets.put("manual-voc", PromptSet.manual(Vocabulary.voc()));
        sets.put("manual-coco", PromptSet.manual(Vocabulary.coco()));
        active.set(sets.get(DEFAULT_VERSION));
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
        return version == null ? Optional.empty() : Optional.ofNullable(sets.get(version));
    }

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

    /**
     * Returns every known prompt set.
     *
     * @return the sets, sorted by id
     */
    public List<PromptSet> all() {
        return sets.values().stream().sorted(Comparator.comparing(PromptSet::id)).toList();
    }

    /**
     * Tells whether a version is one of the built-in manual sets.
     *
     * @param version the id
     * @return true for {@code manual-voc} and {@code manual-coco}
     */
    public static boolean isBuiltIn(String version) {
        return BUILT_IN.contains(version);
    }
}
