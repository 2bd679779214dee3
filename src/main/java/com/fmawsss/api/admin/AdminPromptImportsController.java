package com.fmawsss.api.admin;

import com.fmawsss.problems.ApiProblem;
import com.fmawsss.prompts.FmaPromptCheckpoint;
import com.fmawsss.prompts.PromptSet;
import com.fmawsss.tensors.TorchCheckpoint;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.net.URI;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;

/**
 * Imports the prompt learner that the official FMA-WSSS training saved ({@code .pth}) as a new
 * prompt version: read in Java by {@link TorchCheckpoint} (nothing in the file is executed), laid
 * out by {@link FmaPromptCheckpoint}, stored immutable and not activated. Authentication is done
 * before this handler by {@link com.fmawsss.security.AdminTokenFilter}.
 */
@RestController
@RequestMapping(path = "/v1/admin/prompts/imports", produces = MediaType.APPLICATION_JSON_VALUE)
@Tag(name = "admin", description = "Prompt versions (bearer token required)")
@SecurityRequirement(name = "adminToken")
public class AdminPromptImportsController {

    private final PromptCheckpointImporter importer;

    public AdminPromptImportsController(PromptCheckpointImporter importer) {
        this.importer = importer;
    }

    /**
     * Imports a FMA-WSSS checkpoint.
     *
     * @param checkpoint the {@code .pth} file
     * @param vocabulary {@code voc} or {@code coco}
     * @param name version id of the new prompt set
     * @param kind {@code classification} or {@code segmentation}; needed for a shared context
     * @param layout {@code voc} or {@code coco}; defaults to the one the context's shape implies
     * @param classes JSON array of the training's class list (foreground then background names)
     * @return 201 with the stored version
     */
    @Operation(summary = "Import an official FMA-WSSS prompt-learner checkpoint (.pth) as a new prompt version")
    @ApiResponse(responseCode = "201", description = "The stored version",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = PromptVersionView.class)))
    @PostMapping(consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    public ResponseEntity<PromptVersionView> importCheckpoint(
            @RequestPart(name = "checkpoint", required = false) MultipartFile checkpoint,
            @RequestParam(name = "vocabulary", required = false) String vocabulary,
            @RequestParam(name = "name", required = false) String name,
            @RequestParam(name = "kind", required = false) String kind,
            @RequestParam(name = "layout", required = false) String layout,
            @RequestParam(name = "classes", required = false) String classes) {
        if (checkpoint == null || checkpoint.isEmpty()) {
            throw ApiProblem.badRequest("send the checkpoint as the multipart part 'checkpoint'");
        }
        PromptSet stored = importer.importCheckpoint(checkpoint, CheckpointImportForm.read(vocabulary, name, kind, layout, classes));
        return ResponseEntity.created(URI.create("/v1/admin/prompts/" + stored.id())).body(PromptVersionView.of(stored, false));
    }
}
