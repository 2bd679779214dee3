package com.fmawsss.api.requests;

import com.fmawsss.api.inference.ResponseRenderer;
import com.fmawsss.problems.ApiProblem;
import com.fmawsss.problems.ProblemTypes;
import com.fmawsss.api.inference.LabelMapResponse;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Asynchronous requests: {@code GET} answers {@code 202} with the status while the request is
 * queued or running and the result (JSON or PNG by {@code Accept}, as the synchronous endpoint
 * would) once it succeeded; a failed request answers its problem, a cancelled or interrupted one
 * {@code 410}. {@code DELETE} cancels a pending request or forgets a finished one.
 */
@RestController
@RequestMapping("/v1/requests")
@Tag(name = "inference", description = "Semantic masks, seeds and SAMS refinement")
public class AsyncRequestsController {

    private final AsyncRequests requests;

    public AsyncRequestsController(AsyncRequests requests) {
        this.requests = requests;
    }

    @Operation(summary = "Status while pending, then the result of an asynchronous request")
    @ApiResponse(responseCode = "200", description = "The result, as the synchronous endpoint answers it", content = {
        @Content(mediaType = "application/json", schema = @Schema(implementation = LabelMapResponse.class)),
        @Content(mediaType = "image/png", schema = @Schema(type = "string", format = "binary"))})
    @ApiResponse(responseCode = "202", description = "Still queued or running",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = RequestStatus.class)))
    @GetMapping("/{id}")
    public ResponseEntity<?> get(@PathVariable("id") String id,
            @RequestHeader(name = HttpHeaders.ACCEPT, required = false) String accept) {
        boolean png = ResponseRenderer.wantsPng(accept);
        RequestStatus status = requests.status(id).orElseThrow(() -> unknown(id));
        var outcome = requests.outcome(id, png);
        if (outcome.isEmpty()) {
            if (status.finishedAt() != null) {
                throw unknown(id); // removed between the two reads
            }
            return ResponseEntity.status(HttpStatus.ACCEPTED)
                    .header(HttpHeaders.RETRY_AFTER, Long.toString(status.pollAfterSeconds()))
                    .contentType(MediaType.APPLICATION_JSON)
                    .body(status);
        }
        AsyncRequests.Outcome o = outcome.get();
        return switch (o.state()) {
            case SUCCEEDED -> {
                var builder = ResponseEntity.ok();
                if (o.promptSet() != null) {
                    builder.header(ResponseRenderer.PROMPT_SET, o.promptSet());
                }
                if (!png) {
                    yield builder.contentType(MediaType.APPLICATION_JSON).body(o.body());
                }
                if (o.classTable() != null) {
                    builder.header(ResponseRenderer.CLASS_TABLE, o.classTable());
                }
                yield builder.contentType(MediaType.IMAGE_PNG).body(o.body());
            }
            case FAILED -> ResponseEntity.status(o.status()).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(o.body());
            default -> throw new ApiProblem(HttpStatus.GONE, ProblemTypes.REQUEST_GONE, "Request gone",
                    "request " + id + " was " + status.state() + (status.error() == null ? "" : ": " + status.error())
                            + "; it has no result", Map.of("state", status.state()));
        };
    }

    @Operation(summary = "Status and progress of an asynchronous request")
    @GetMapping("/{id}/status")
    public RequestStatus status(@PathVariable("id") String id) {
        return requests.status(id).orElseThrow(() -> unknown(id));
    }

    @Operation(summary = "Cancel a pending asynchronous request, or forget a finished one")
    @DeleteMapping("/{id}")
    public ResponseEntity<Void> delete(@PathVariable("id") String id) {
        if (!requests.delete(id)) {
            throw unknown(id);
        }
        return ResponseEntity.noContent().build();
    }

    private static ApiProblem unknown(String id) {
        return new ApiProblem(HttpStatus.NOT_FOUND, ProblemTypes.UNKNOWN_REQUEST, "Unknown request",
                "no asynchronous request '" + id + "': the id is wrong, or its outcome expired or was deleted", Map.of());
    }
}
