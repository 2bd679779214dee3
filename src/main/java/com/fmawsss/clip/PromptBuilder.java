package com.fmawsss.clip;

import com.fmawsss.prompts.PromptKind;
import com.fmawsss.prompts.PromptSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Collections;

/**
 * Turns a {@link PromptSelection} into token-level prompts: present foreground classes first, then
 * every background prompt of the set (spec §4, §8).
 */
public final class PromptBuilder {

    private final ClipTokenizer tokenizer;

    public PromptBuilder(ClipTokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /**
     * Builds the prompts of a selection.
     *
     * @param selection present classes and prompt set
     * @return {@code P + B} prompts: foreground in selection order, then background
     */
    public List<TextPrompt> build(PromptSelection selection) {
        PromptSet set = selection.promptSet();
        List<TextPrompt> prompts = new ArrayList<>();
        for (SelectedClass c : selection.classes()) {
            prompts.add(set.kind() == PromptKind.MANUAL
                    ? manual(c.prompt())
                    : learned(set, c.prompt(), foregroundRef(set, c.vocabularyIndex()), set.labelFirst()));
        }
        for (int b = 0; b < set.vocabulary().background().size(); b++) {
            prompts.add(set.kind() == PromptKind.MANUAL
                    ? manual(set.vocabulary().background().get(b).prompt())
                    : learned(set, set.backgroundText(b), backgroundRef(set, b), false));
        }
        return prompts;
    }

    /**
     * A manual CLIP-ES prompt.
     *
     * @param text the class text (with synonyms)
     * @return the prompt {@code a clean origami <text>.}
     */
    public TextPrompt manual(String text) {
        return new TextPrompt(tokenizer.tokenize(PromptSet.MANUAL_TEMPLATE.replace("{}", text)), null, 0, 0, false);
    }

    private TextPrompt learned(PromptSet set, String text, TextPrompt.ContextRef ref, boolean labelFirst) {
        int n = set.contextTokens();
        String placeholders = String.join(" ", Collections.nCopies(n, "X"));
        ClipTokenizer.Tokens tokens = tokenizer.tokenize(placeholders + " " + text + ".");
        return new TextPrompt(tokens, ref, n, tokenizer.encode(text).length, labelFirst);
    }

    private static TextPrompt.ContextRef foregroundRef(PromptSet set, int classIndex) {
        return set.sharedContext()
                ? new TextPrompt.ContextRef(PromptSet.SHARED, -1)
                : new TextPrompt.ContextRef(PromptSet.FOREGROUND, classIndex);
    }

    private static TextPrompt.ContextRef backgroundRef(PromptSet set, int backgroundIndex) {
        return set.sharedContext()
                ? new TextPrompt.ContextRef(PromptSet.SHARED, -1)
                : new TextPrompt.ContextRef(PromptSet.BACKGROUND, backgroundIndex);
    }
}
