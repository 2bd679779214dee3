package com.fmawsss.api.admin;

import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.media.Content;
import com.fmawsss.problems.ApiProblem;
import com.fmawsss.prompts.FmaPromptCheckpoint;
import com.fmawsss.prompts.PromptInfo;
import com.fmawsss.prompts.PromptKind;
import com.fmawsss.prompts.PromptLayout;
import com.fmawsss.prompts.PromptSet;
import com.fmawsss.prompts.PromptStore;
import com.fmawsss.prompts.Vocabulary;
import com.fmawsss.tensors.FloatTensor;
import com.fmawsss.tensors.TensorFormatException;
import com.fmawsss.tensors.TorchCheckpoint;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

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

    /** The file is not a readable state dict of tensors with one prompt context (422). */
    public static final String INVALID_CHECKPOINT = "invalid-checkpoint";
    /** The checkpoint does not fit the vocabulary, kind, layout or class list (422, lists the differences). */
    public static final String CHECKPOINT_MISMATCH = "checkpoint-mismatch";

    /** A prompt learner is a few MB at most; its pickle a few hundred bytes. */
    static final TorchCheckpoint.Limits LIMITS = new TorchCheckpoint.Limits(1 << 20, 1L << 24);
    private static final int MAX_CLASSES = 4096;
    private static final int MAX_SOURCE_NAME = 255;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final PromptStore store;

    public AdminPromptImportsController(PromptStore store) {
        this.store = store;
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
        if (name == null || name.isBlank()) {
            throw ApiProblem.badRequest("give the new version's id in the field 'name'");
        }
        if (!PromptStore.isValidVersionId(name)) {
            throw ApiProblem.unprocessable(PromptStoreProblems.INVALID_PROMPT_SET, "Invalid prompt set",
                    "invalid version id '" + name + "': 1-128 characters of A-Z a-z 0-9 . _ -, starting with a letter or digit");
        }
        Vocabulary vocab = Vocabulary.builtIn(required(vocabulary, "vocabulary"))
                .orElseThrow(() -> ApiProblem.badRequest("vocabulary must be voc or coco"));
        Optional<PromptKind> promptKind = choice(kind, "kind", PromptKind.CLASSIFICATION, PromptKind.SEGMENTATION);
        Optional<PromptLayout> promptLayout = choice(layout, "layout", PromptLayout.VOC, PromptLayout.COCO);
        Optional<List<String>> classList = Optional.ofNullable(classes).map(AdminPromptImportsController::classList);

        Path file = spool(checkpoint);
        try {
            Map<String, String> info = Map.of(PromptInfo.SOURCE, sourceName(checkpoint), PromptInfo.SOURCE_SHA256, sha256(file));
            PromptSet set = read(file, new FmaPromptCheckpoint.Request(name, vocab, promptKind, promptLayout, classList, info));
            PromptSet stored = PromptStoreProblems.add(store, set);
            return ResponseEntity.created(URI.create("/v1/admin/prompts/" + stored.id())).body(PromptVersionView.of(stored, false));
        } finally {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // A leftover temp file is harmless; the import's outcome stands.
            }
        }
    }

    private static PromptSet read(Path file, FmaPromptCheckpoint.Request request) {
        try (TorchCheckpoint checkpoint = TorchCheckpoint.open(file, LIMITS)) {
            FloatTensor context = checkpoint.read(FmaPromptCheckpoint.contextName(checkpoint));
            return FmaPromptCheckpoint.toPromptSet(context, request);
        } catch (FmaPromptCheckpoint.MismatchException e) {
            throw new ApiProblem(HttpStatus.UNPROCESSABLE_CONTENT, CHECKPOINT_MISMATCH, "Checkpoint does not match", e.getMessage(),
                    Map.of("differences", e.differences()));
        } catch (TensorFormatException | IllegalArgumentException e) {
            throw ApiProblem.unprocessable(INVALID_CHECKPOINT, "Invalid checkpoint", "not an FMA-WSSS prompt checkpoint: " + e.getMessage());
        }
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

    /** The upload as a file: the zip reader needs random access. */
    private static Path spool(MultipartFile upload) {
        try {
            Path file = Files.createTempFile("fma-checkpoint-", ".pth");
            try (InputStream in = upload.getInputStream()) {
                Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException | RuntimeException e) {
                Files.deleteIfExists(file);
                throw e;
            }
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot buffer the uploaded checkpoint", e);
        }
    }

    private static String sha256(Path file) {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
            in.transferTo(OutputStream.nullOutputStream());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the buffered checkpoint", e);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static String sourceName(MultipartFile upload) {
        String original = upload.getOriginalFilename();
        if (original == null || original.isBlank()) {
            return "checkpoint.pth";
        }
        // Browsers may send a path; only the file name is metadata.
        String base = original.substring(Math.max(original.lastIndexOf('/'), original.lastIndexOf('\\')) + 1).strip();
        return base.length() > MAX_SOURCE_NAME ? base.substring(0, MAX_SOURCE_NAME) : base;
    }
}
