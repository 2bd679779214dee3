package com.fmawsss.api.admin;

import com.fmawsss.io.Sha256;
import com.fmawsss.problems.ApiProblem;
import com.fmawsss.prompts.FmaPromptCheckpoint;
import com.fmawsss.prompts.PromptInfo;
import com.fmawsss.prompts.PromptSet;
import com.fmawsss.prompts.PromptStore;
import com.fmawsss.tensors.FloatTensor;
import com.fmawsss.tensors.TensorFormatException;
import com.fmawsss.tensors.TorchCheckpoint;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.multipart.MultipartFile;

/**
 * Turns an uploaded FMA-WSSS prompt-learner checkpoint into a stored prompt version: buffers it in
 * a temp file (the zip reader needs random access), records its name and SHA-256 as provenance,
 * reads it with {@link TorchCheckpoint} (nothing in the file is executed), lays it out with {@link
 * FmaPromptCheckpoint} and adds it to the store, immutable and not activated.
 */
@Component
class PromptCheckpointImporter {

    /** The file is not a readable state dict of tensors with one prompt context (422). */
    static final String INVALID_CHECKPOINT = "invalid-checkpoint";
    /** The checkpoint does not fit the vocabulary, kind, layout or class list (422, lists the differences). */
    static final String CHECKPOINT_MISMATCH = "checkpoint-mismatch";

    /** A prompt learner is a few MB at most; its pickle a few hundred bytes. */
    static final TorchCheckpoint.Limits LIMITS = new TorchCheckpoint.Limits(1 << 20, 1L << 24);
    private static final int MAX_SOURCE_NAME = 255;

    private final PromptStore store;

    PromptCheckpointImporter(PromptStore store) {
        this.store = store;
    }

    PromptSet importCheckpoint(MultipartFile upload, CheckpointImportForm form) {
        Path file = spool(upload);
        try {
            Map<String, String> info = Map.of(PromptInfo.SOURCE, sourceName(upload), PromptInfo.SOURCE_SHA256, sha256(file));
            return PromptStoreProblems.add(store, read(file, form.request(info)));
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
        try {
            return Sha256.hex(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the buffered checkpoint", e);
        }
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
