package com.fmawsss.api;

import com.fmawsss.api.inference.RequestReader;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Public read of a prompt set's vocabulary: the names {@code /v1/seeds} accepts and the ones
 * {@code /v1/masks} serves with learned prompts (any other name gets manual prompts).
 */
@RestController
@RequestMapping(path = "/v1/vocabulary", produces = MediaType.APPLICATION_JSON_VALUE)
@Tag(name = "inference", description = "Semantic masks, seeds and SAMS refinement")
public class VocabularyController {

    private final RequestReader reader;

    public VocabularyController(RequestReader reader) {
        this.reader = reader;
    }

    /**
     * The classes of a prompt set.
     *
     * @param prompts prompt version (default: the active one)
     */
    @Operation(summary = "List the classes of the active (or a given) prompt set")
    @GetMapping
    public VocabularyView vocabulary(@RequestParam(name = "prompts", required = false) String prompts) {
        return VocabularyView.of(reader.promptSet(prompts));
    }
}
