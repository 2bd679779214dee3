package com.fmawsss.api;

import com.fmawsss.prompts.PromptSet;
import java.util.List;
import java.util.Locale;

/**
 * The class names a prompt set knows, for clients that offer them (autocomplete, label pickers).
 *
 * @param promptSet the prompt version
 * @param kind {@code manual}, {@code classification} or {@code segmentation}
 * @param vocabulary vocabulary name ({@code voc}, {@code coco} or a custom one)
 * @param classes foreground classes in label order
 */
public record VocabularyView(String promptSet, String kind, String vocabulary, List<VocabularyClass> classes) {

    /**
     * One class.
     *
     * @param name the name clients send ({@code classes}, {@code labels})
     * @param prompt the text the prompts use, with CLIP-ES synonyms (e.g. {@code person with
     *     clothes,people,human})
     */
    public record VocabularyClass(String name, String prompt) {}

    static VocabularyView of(PromptSet set) {
        List<VocabularyClass> classes = set.vocabulary().classes().stream()
                .map(c -> new VocabularyClass(c.name(), c.prompt())).toList();
        return new VocabularyView(set.id(), set.kind().name().toLowerCase(Locale.ROOT), set.vocabulary().name(), classes);
    }
}
