package com.fmawsss.api;

import com.fmawsss.api.inference.LabelMapResponse;
import com.fmawsss.api.requests.RequestStatus;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.responses.ApiResponses;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The documented answers of an inference endpoint, for springdoc: the label map (JSON, or a PNG
 * by {@code Accept}) and, with {@code Prefer: respond-async}, the request's status. The handlers
 * return {@code Object} (a deferred answer or a 202), which springdoc cannot see through.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@ApiResponses({
    @ApiResponse(responseCode = "200", description = "The label map", content = {
        @Content(mediaType = "application/json", schema = @Schema(implementation = LabelMapResponse.class)),
        @Content(mediaType = "image/png", schema = @Schema(type = "string", format = "binary"))}),
    @ApiResponse(responseCode = "202", description = "Accepted (Prefer: respond-async); poll the Location",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = RequestStatus.class)))
})
public @interface LabelMapAnswers {}
