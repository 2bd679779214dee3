package com.fmawsss.prompts;

/**
 * One class of a vocabulary.
 *
 * @param name the class name clients use (e.g. {@code person})
 * @param prompt the text put into prompts, possibly with CLIP-ES synonyms (e.g. {@code person with
 *     clothes,people,human}); empty for pure-context background prompts
 */
public record VocabularyEntry(String name, String prompt) {

    /** Rejects null fields. */
    public VocabularyEntry {
        if (name == null || prompt == null) {
            throw new IllegalArgumentException("vocabulary entries need a name and a prompt text");
        }
    }

    /**
     * An entry whose prompt text is its name.
     *
     * @return the entry
     */
    public static VocabularyEntry plain(String name) {
        return new VocabularyEntry(name, name);
    }
}
