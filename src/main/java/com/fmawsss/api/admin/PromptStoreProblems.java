package com.fmawsss.api.admin;

import com.fmawsss.problems.ApiProblem;
import com.fmawsss.prompts.PromptSet;
import com.fmawsss.prompts.PromptStore;
import com.fmawsss.prompts.PromptStoreException;
import java.util.Map;
import org.springframework.http.HttpStatus;

/** Stores a new prompt version, answering the store's refusals with the admin API's problems. */
final class PromptStoreProblems {

    /** The uploaded file is not a valid prompt-set file, or its id is invalid (422). */
    static final String INVALID_PROMPT_SET = "invalid-prompt-set";
    /** The prompt set does not fit the bundle (422). */
    static final String INCOMPATIBLE_PROMPT_SET = "incompatible-prompt-set";
    /** The version id is taken (409). */
    static final String PROMPT_VERSION_EXISTS = "prompt-version-exists";

    private PromptStoreProblems() {}

    /**
     * Adds a version to the store (immutable, not activated).
     *
     * @param set the new version
     * @return the stored set
     * @throws ApiProblem 409 when the id is taken, 422 when it is invalid or the set does not fit
     */
    static PromptSet add(PromptStore store, PromptSet set) {
        try {
            return store.add(set);
        } catch (PromptStoreException e) {
            throw switch (e.reason()) {
                case VERSION_EXISTS -> new ApiProblem(HttpStatus.CONFLICT, PROMPT_VERSION_EXISTS, "Prompt version exists",
                        e.getMessage(), Map.of("version", set.id()));
                case INVALID_VERSION_ID -> ApiProblem.unprocessable(INVALID_PROMPT_SET, "Invalid prompt set", e.getMessage());
                case INCOMPATIBLE -> ApiProblem.unprocessable(INCOMPATIBLE_PROMPT_SET, "Incompatible prompt set", e.getMessage());
            };
        }
    }
}
