package com.fmawsss.api;

import com.fmawsss.api.requests.PreferHeader;
import com.fmawsss.api.inference.InferenceService;
import com.fmawsss.api.inference.InferenceRequest;
import com.fmawsss.api.inference.RequestReader;
import com.fmawsss.api.inference.LabelMapResult;
import com.fmawsss.api.inference.ResponseRenderer;
import com.fmawsss.api.requests.AsyncRequests;
import com.fmawsss.api.requests.Accepted;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import com.fmawsss.pipeline.PipelineSubmission;
import java.util.List;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;

/**
 * The inference endpoints (spec §5): text to mask, seeds from image-level labels, and SAMS
 * refinement of uploaded score maps. Thin: binds parameters, has them read into a request,
 * delegates to {@link InferenceService}, renders. {@code Prefer: respond-async} (RFC 7240) answers
 * {@code 202} with the {@code Location} of the request instead of waiting.
 */
@RestController
@RequestMapping("/v1")
@Tag(name = "inference", description = "Semantic masks, seeds and SAMS refinement")
public class InferenceController {

    private final RequestReader reader;
    private final InferenceService service;
    private final AsyncRequests asyncRequests;
    private final ClientDisconnects disconnects;

    public InferenceController(RequestReader reader, InferenceService service, AsyncRequests asyncRequests,
            ClientDisconnects disconnects) {
        this.reader = reader;
        this.service = service;
        this.asyncRequests = asyncRequests;
        this.disconnects = disconnects;
    }

    @Operation(summary = "Segment an image into the given classes")
    @LabelMapAnswers
    @PostMapping(path = "/masks", consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    public Object masks(
            @RequestPart(name = "image", required = false) MultipartFile image,
            @RequestParam(name = "classes", required = false) List<String> classes,
            @RequestParam(name = "prompts", required = false) String prompts,
            @RequestParam(name = "refine", required = false, defaultValue = "sams") String refine,
            @RequestParam(name = "include", required = false) List<String> include,
            @RequestParam(name = "amg", required = false) String amg,
            @RequestParam(name = "grid", required = false) Integer grid,
            @RequestHeader(name = HttpHeaders.ACCEPT, required = false) String accept,
            @RequestHeader(name = "Prefer", required = false) List<String> prefer,
            HttpServletRequest http) {
        boolean png = ResponseRenderer.wantsPng(accept);
        return answer(reader.masks(image, classes, prompts, refine, include, amg, grid), png, prefer, http);
    }

    @Operation(summary = "Compute the FMA-WSSS seed map of an image from its image-level labels")
    @LabelMapAnswers
    @PostMapping(path = "/seeds", consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    public Object seeds(
            @RequestPart(name = "image", required = false) MultipartFile image,
            @RequestParam(name = "labels", required = false) List<String> labels,
            @RequestParam(name = "prompts", required = false) String prompts,
            @RequestParam(name = "include", required = false) List<String> include,
            @RequestParam(name = "amg", required = false) String amg,
            @RequestParam(name = "grid", required = false) Integer grid,
            @RequestHeader(name = HttpHeaders.ACCEPT, required = false) String accept,
            @RequestHeader(name = "Prefer", required = false) List<String> prefer,
            HttpServletRequest http) {
        boolean png = ResponseRenderer.wantsPng(accept);
        return answer(reader.seeds(image, labels, prompts, include, amg, grid), png, prefer, http);
    }

    @Operation(summary = "Refine per-class score maps with SAMS")
    @LabelMapAnswers
    @PostMapping(path = "/refine", consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    public Object refine(
            @RequestPart(name = "image", required = false) MultipartFile image,
            @RequestPart(name = "scores", required = false) MultipartFile scores,
            @RequestPart(name = "labels", required = false) MultipartFile labels,
            @RequestParam(name = "classes", required = false) List<String> classes,
            @RequestParam(name = "alpha", required = false) Double alpha,
            @RequestParam(name = "amg", required = false) String amg,
            @RequestParam(name = "grid", required = false) Integer grid,
            @RequestHeader(name = HttpHeaders.ACCEPT, required = false) String accept,
            @RequestHeader(name = "Prefer", required = false) List<String> prefer,
            HttpServletRequest http) {
        boolean png = ResponseRenderer.wantsPng(accept);
        return answer(reader.refine(image, scores, labels, classes, alpha, amg, grid), png, prefer, http);
    }

    private Object answer(InferenceRequest request, boolean png, List<String> prefer, HttpServletRequest http) {
        if (PreferHeader.respondAsync(prefer)) {
            return Accepted.of(asyncRequests.submit(request));
        }
        PipelineSubmission<LabelMapResult> submission = service.submitSynchronous(request);
        return DeferredAnswers.of(submission, result -> ResponseRenderer.render(result, png),
                disconnects.watch(http, submission::cancel), service.synchronousLimit());
    }
}
