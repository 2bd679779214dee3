package com.fmawsss.api.admin;

import com.fmawsss.prompts.PromptInfo;
import com.fmawsss.prompts.PromptRegistry;
import com.fmawsss.prompts.PromptSet;
import java.util.Locale;
import java.util.Map;

/**
 * One prompt version as the admin API shows it.
 *
 * @param version the version id
 * @param kind {@code manual}, {@code classification} or {@code segmentation}
 * @param layout {@code voc} or {@code coco}
 * @param vocabulary vocabulary name
 * @param classCount number of foreground classes
 * @param contextTokens learned context vectors per prompt (0 for manual sets)
 * @param embeddingWidth context width {@code Dt} (0 for manual sets)
 * @param builtIn true for the built-in manual sets
 * @param active true for the active version
 * @param createdAt when the version was stored (null for built-in sets)
 * @param parent version the training started from, if recorded
 * @param info all metadata of the version
 * @param metrics numeric metrics from the metadata ({@code seedMiou}, {@code metrics.*})
 */
public record PromptVersionView(
        String version,
        String kind,
        String layout,
        String vocabulary,
        int classCount,
        int contextTokens,
        int embeddingWidth,
        boolean builtIn,
        boolean active,
        String createdAt,
        String parent,
        Map<String, String> info,
        Map<String, Double> metrics) {

    /**
     * Describes a prompt set.
     *
     * @param active whether it is the active one
     */
    public static PromptVersionView of(PromptSet set, boolean active) {
        return new PromptVersionView(
                set.id(),
                set.kind().name().toLowerCase(Locale.ROOT),
                set.layout().name().toLowerCase(Locale.ROOT),
                set.vocabulary().name(),
                set.vocabulary().classes().size(),
                set.contextTokens(),
                set.embeddingWidth(),
                PromptRegistry.isBuiltIn(set.id()),
                active,
                set.info().get(PromptInfo.CREATED_AT),
                set.info().get(PromptInfo.PARENT),
                set.info(),
                PromptInfo.metrics(set.info()));
    }
}
