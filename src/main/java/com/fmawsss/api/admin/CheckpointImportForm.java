package com.fmawsss.api.admin;

import com.fmawsss.problems.ApiProblem;
import com.fmawsss.prompts.FmaPromptCheckpoint;
import com.fmawsss.prompts.PromptKind;
import com.fmawsss.prompts.PromptLayout;
import com.fmawsss.prompts.PromptStore;
import com.fmawsss.prompts.Vocabulary;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The form fields of a checkpoint import, checked: every bad value is a 400 or 422 problem.
 *
 * @param name version id of the new prompt set
 * @param kind needed for a shared context
 * @param layout defaults to the one the context's shape implies
 * @param classes the training's class list (foreground then background names)
 */
record CheckpointImportForm(String name, Vocabulary vocabulary, Optional<PromptKind> kind, Optional<PromptLayout> layout,
        Optional<List<String>> classes) {

    private static final int MAX_CLASSES = 4096;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /**
     * @param vocabulary {@code voc} or {@code coco}
     * @param kind {@code classification} or {@code segmentation}, or blank
     * @param layout {@code voc} or {@code coco}, or blank
     * @param classes a JSON array of strings, or null
     */
    static CheckpointImportForm read(String vocabulary, String name, String kind, String layout, String classes) {
        if (name == null || name.isBlank()) {
            throw ApiProblem.badRequest("give the new version's id in the field 'name'");
        }
        if (!PromptStore.isValidVersionId(name)) {
            throw ApiProblem.unprocessable(PromptStoreProblems.INVALID_PROMPT_SET, "Invalid prompt set",
                    "invalid version id '" + name + "': 1-128 characters of A-Z a-z 0-9 . _ -, starting with a letter or digit");
        }
        Vocabulary vocab = Vocabulary.builtIn(required(vocabulary, "vocabulary"))
                .orElseThrow(() -> ApiProblem.badRequest("vocabulary must be voc or coco"));
        return new CheckpointImportForm(name, vocab,
                choice(kind, "kind", PromptKind.CLASSIFICATION, PromptKind.SEGMENTATION),
                choice(layout, "layout", PromptLayout.VOC, PromptLayout.COCO),
                Optional.ofNullable(classes).map(CheckpointImportForm::classList));
    }

    /** @param info provenance recorded with the prompt set */
    FmaPromptCheckpoint.Request request(Map<String, String> info) {
        return new FmaPromptCheckpoint.Request(name, vocabulary, kind, layout, classes, info);
    }

    private static String required(String value, String field) {
        if (value == null || value.isBlank()) {
            throw ApiProblem.badRequest("the field '" + field + "' is required");
        }
        return value.strip();
    }

    @SafeVarargs
    private static <E extends Enum<E>> Optional<E> choice(String value, String field, E... allowed) {
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        for (E option : allowed) {
            if (option.name().equalsIgnoreCase(value.strip())) {
                return Optional.of(option);
            }
        }
        List<String> names = new ArrayList<>();
        for (E option : allowed) {
            names.add(option.name().toLowerCase(Locale.ROOT));
        }
        throw ApiProblem.badRequest(field + " must be one of " + String.join(", ", names));
    }

    private static List<String> classList(String json) {
        JsonNode node;
        try {
            node = JSON.readTree(json);
        } catch (JacksonException e) {
            throw ApiProblem.badRequest("classes must be a JSON array of strings");
        }
        if (node == null || !node.isArray() || node.size() > MAX_CLASSES) {
            throw ApiProblem.badRequest("classes must be a JSON array of at most " + MAX_CLASSES + " strings");
        }
        List<String> names = new ArrayList<>();
        for (JsonNode entry : node) {
            if (!entry.isString()) {
                throw ApiProblem.badRequest("classes must be a JSON array of strings");
            }
            names.add(entry.asString());
        }
        return names;
    }
}
