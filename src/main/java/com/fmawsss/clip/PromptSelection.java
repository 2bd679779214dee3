package com.fmawsss.clip;

import com.fmawsss.prompts.PromptKind;
import com.fmawsss.prompts.PromptSet;
import com.fmawsss.prompts.VocabularyEntry;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The present foreground classes of one request under one prompt set. The softmax of
 * Softmax-GradCAM runs over these classes plus every background prompt of the set.
 *
 * @param classes the present classes, in request order (= the response's class order)
 */
public record PromptSelection(PromptSet promptSet, List<SelectedClass> classes) {

    /** Copies the list and rejects an empty one. */
    public PromptSelection {
        classes = List.copyOf(classes);
        if (classes.isEmpty()) {
            throw new IllegalArgumentException("at least one class is required");
        }
    }

    /**
     * Resolves class names against a prompt set. Names are matched case-insensitively; manual
     * prompt sets accept any free-text name (it becomes the prompt text), learned ones only their
     * vocabulary.
     *
     * @param set the prompt set
     * @param names requested class names, without duplicates
     * @return the selection
     * @throws UnknownClassException when a learned set does not know a name
     * @throws IllegalArgumentException for blank or duplicate names
     */
    public static PromptSelection of(PromptSet set, List<String> names) {
        List<SelectedClass> selected = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (String raw : names) {
            String name = raw == null ? "" : raw.strip();
            if (name.isEmpty()) {
                throw new IllegalArgumentException("class names must not be blank");
            }
            if (!seen.add(name.toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException("class '" + name + "' is listed twice");
            }
            int index = set.vocabulary().indexOf(name);
            if (index >= 0) {
                VocabularyEntry entry = set.vocabulary().classes().get(index);
                selected.add(new SelectedClass(entry.name(), entry.prompt(), index));
            } else if (set.kind() == PromptKind.MANUAL) {
                selected.add(new SelectedClass(name, name, -1));
            } else {
                unknown.add(name);
            }
        }
        if (!unknown.isEmpty()) {
            throw new UnknownClassException(unknown, set.id());
        }
        return new PromptSelection(set, selected);
    }

    /**
     * The prompt choice of text-to-mask requests: the set's own (learned) prompts when it knows every
     * name, manual CLIP-ES prompts over its vocabulary (zero-shot, any name) otherwise.
     */
    public static PromptSelection learnedOrManual(PromptSet set, List<String> names) {
        boolean known = names.stream().allMatch(name -> set.vocabulary().indexOf(name) >= 0);
        return set.kind() != PromptKind.MANUAL && known ? of(set, names) : of(PromptSet.manual(set.vocabulary()), names);
    }

    public int present() {
        return classes.size();
    }

    public List<String> names() {
        return classes.stream().map(SelectedClass::name).toList();
    }
}
