package com.fmawsss.api.admin;

import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.media.Content;
import com.fmawsss.problems.ApiProblem;
import com.fmawsss.problems.ProblemTypes;
import com.fmawsss.prompts.PromptSet;
import com.fmawsss.prompts.PromptSetFile;
import com.fmawsss.prompts.PromptStore;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.enums.SecuritySchemeType;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import io.swagger.v3.oas.annotations.security.SecurityScheme;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.io.IOException;
import java.net.URI;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;

/**
 * Admin API over the prompt store (spec §5): list versions, show one, activate one (atomic hot
 * swap; rollback = activate an older one) and import a prompt-set file trained elsewhere.
 * Authentication is done before these handlers by {@link com.fmawsss.security.AdminTokenFilter}.
 */
@RestController
@RequestMapping(path = "/v1/admin/prompts", produces = MediaType.APPLICATION_JSON_VALUE)
@Tag(name = "admin", description = "Prompt versions (bearer token required)")
@SecurityScheme(name = "adminToken", type = SecuritySchemeType.HTTP, scheme = "bearer")
@SecurityRequirement(name = "adminToken")
public class AdminPromptsController {

    /** The uploaded file is not a valid prompt-set file (422). */
    public static final String INVALID_PROMPT_SET = PromptStoreProblems.INVALID_PROMPT_SET;

    private final PromptStore store;

    public AdminPromptsController(PromptStore store) {
        this.store = store;
    }

    /**
     * Lists every version.
     *
     * @return the versions and the active one
     */
    @Operation(summary = "List prompt versions with their metadata and metrics")
    @GetMapping
    public PromptVersionList list() {
        // One read of the reference, so the list and its active flag agree.
        String active = store.active().id();
        return new PromptVersionList(active, store.all().stream().map(s -> PromptVersionView.of(s, s.id().equals(active))).toList());
    }

    /**
     * Shows one version.
     *
     * @param version the version id
     * @return the version
     */
    @Operation(summary = "Show one prompt version")
    @GetMapping("/{version}")
    public PromptVersionView get(@PathVariable("version") String version) {
        PromptSet set = known(version);
        return PromptVersionView.of(set, set.id().equals(store.active().id()));
    }

    /**
     * Activates a version on every replica (others follow within the poll interval).
     *
     * @param version the version id
     * @return the new and the previous active version
     */
    @Operation(summary = "Activate a prompt version (rollback = activate an older one)")
    @PostMapping("/{version}/activate")
    public Activation activate(@PathVariable("version") String version) {
        known(version);
        PromptSet previous;
        try {
            previous = store.activate(version);
        } catch (IllegalArgumentException e) {
            throw unknown(version);
        }
        return new Activation(version, previous.id());
    }

    /**
     * Imports a prompt-set file; its version id is the one inside the file.
     *
     * @param file the prompt-set file ({@code .safetensors}, as written by the service)
     * @return 201 with the stored version
     */
    @Operation(summary = "Import a prompt-set file trained elsewhere")
    @ApiResponse(responseCode = "201", description = "The stored version",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = PromptVersionView.class)))
    @PostMapping(consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    public ResponseEntity<PromptVersionView> upload(@RequestPart(name = "file", required = false) MultipartFile file) {
        if (file == null || file.isEmpty()) {
            throw ApiProblem.badRequest("send the prompt-set file as the multipart part 'file'");
        }
        PromptSet set;
        try {
            set = PromptSetFile.read(file.getBytes());
        } catch (IOException e) {
            throw ApiProblem.badRequest("the upload could not be read");
        } catch (RuntimeException e) {
            throw ApiProblem.unprocessable(INVALID_PROMPT_SET, "Invalid prompt set", "not a valid prompt-set file: " + e.getMessage());
        }
        PromptSet stored = PromptStoreProblems.add(store, set);
        return ResponseEntity.created(URI.create("/v1/admin/prompts/" + stored.id()))
                .body(PromptVersionView.of(stored, false));
    }

    private PromptSet known(String version) {
        return store.get(version).orElseThrow(() -> unknown(version));
    }

    private static ApiProblem unknown(String version) {
        return new ApiProblem(HttpStatus.NOT_FOUND, ProblemTypes.UNKNOWN_PROMPT_VERSION, "Unknown prompt version",
                "no prompt version '" + version + "'", Map.of());
    }
}
