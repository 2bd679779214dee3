package com.fmawsss.api.segments;

import com.fmawsss.api.ClientDisconnects;
import com.fmawsss.api.DeferredAnswers;
import com.fmawsss.api.requests.PreferHeader;
import com.fmawsss.api.inference.ResponseRenderer;
import com.fmawsss.api.requests.Accepted;
import com.fmawsss.api.requests.AsyncRequests;
import com.fmawsss.api.requests.RequestStatus;
import com.fmawsss.pipeline.PipelineSubmission;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import java.util.List;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;
import tools.jackson.databind.json.JsonMapper;

/**
 * Click to segment: SAM's mask for positive and negative clicks and a box, with the class CLIP
 * proposes for it. Thin: binds parameters, has them read into a request, delegates to {@link
 * SegmentService}, renders JSON or the mask as a PNG. {@code Prefer: respond-async} answers {@code
 * 202} with the {@code Location} of the request instead of waiting, as the other inference
 * endpoints do (for a {@code level} whose quasi-superpixels must be generated first).
 */
@RestController
@RequestMapping("/v1")
@Tag(name = "inference", description = "Semantic masks, seeds and SAMS refinement")
public class SegmentsController {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final SegmentRequestReader reader;
    private final SegmentService service;
    private final AsyncRequests asyncRequests;
    private final ClientDisconnects disconnects;

    public SegmentsController(SegmentRequestReader reader, SegmentService service, AsyncRequests asyncRequests,
            ClientDisconnects disconnects) {
        this.reader = reader;
        this.service = service;
        this.asyncRequests = asyncRequests;
        this.disconnects = disconnects;
    }

    @Operation(summary = "Segment the object under clicks and a box, and propose its class")
    @ApiResponse(responseCode = "200", description = "The mask, SAM's scores and the proposed class", content = {
        @Content(mediaType = "application/json", schema = @Schema(implementation = SegmentResponse.class)),
        @Content(mediaType = "image/png", schema = @Schema(type = "string", format = "binary"))})
    @ApiResponse(responseCode = "202", description = "Accepted (Prefer: respond-async); poll the Location",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = RequestStatus.class)))
    @PostMapping(path = "/segments", consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    public Object segment(
            @RequestPart(name = "image", required = false) MultipartFile image,
            @RequestParam(name = "imageSha256", required = false) String imageSha256,
            @RequestParam(name = "points", required = false) String points,
            @RequestParam(name = "box", required = false) String box,
            @RequestParam(name = "classes", required = false) List<String> classes,
            @RequestParam(name = "prompts", required = false) String prompts,
            @RequestParam(name = "propose", required = false) Boolean propose,
            @RequestParam(name = "level", required = false) String level,
            @RequestParam(name = "amg", required = false) String amg,
            @RequestParam(name = "grid", required = false) Integer grid,
            @RequestParam(name = "candidates", required = false) Boolean candidates,
            @RequestHeader(name = HttpHeaders.ACCEPT, required = false) String accept,
            @RequestHeader(name = "Prefer", required = false) List<String> prefer,
            HttpServletRequest http) {
        boolean png = ResponseRenderer.wantsPng(accept);
        SegmentRequest request = reader.read(image, imageSha256, points, box, classes, prompts, propose, level, amg, grid,
                candidates);
        if (PreferHeader.respondAsync(prefer)) {
            return Accepted.of(asyncRequests.submit("/v1/segments", request.level() == null ? null : request.amg().profile(),
                    queueTimeout -> service.submitAsynchronous(request, queueTimeout),
                    answer -> new AsyncRequests.Rendered(JSON.writeValueAsBytes(answer), SegmentPng.bytes(answer),
                            answer.proposal() == null ? null : answer.proposal().promptSet(), null)));
        }
        PipelineSubmission<SegmentResponse> submission = service.submit(request);
        return DeferredAnswers.of(submission, answer -> png ? SegmentPng.render(answer) : ResponseEntity.ok()
                .contentType(MediaType.APPLICATION_JSON).body(answer), disconnects.watch(http, submission::cancel),
                service.synchronousLimit());
    }
}
