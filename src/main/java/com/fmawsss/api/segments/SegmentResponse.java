package com.fmawsss.api.segments;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fmawsss.masks.CompressedRle;
import java.util.List;
import java.util.Map;

/**
 * The JSON answer of {@code POST /v1/segments} (schema {@code SegmentResponse} of api/openapi.yaml).
 *
 * @param mask the mask as COCO RLE (pycocotools' compressed counts, column-major)
 * @param box {@code [x0, y0, x1, y1]} inclusive pixel bounds of the mask, {@code null} when empty
 * @param source {@code sam} (decoded from the prompt) or {@code superpixel} (snapped to a
 *     quasi-superpixel of {@code level})
 * @param samOutput which SAM output the mask is: 0 the single-mask output, 1-3 the multimask
 *     outputs (subpart, part, whole); absent for a quasi-superpixel
 * @param proposal the class the mask most likely shows, absent with {@code propose=false}
 * @param candidates {@code candidates=true}: SAM's three multimask outputs
 * @param timings milliseconds per step ({@code sam}, {@code superpixels}, {@code cam}, {@code proposal})
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SegmentResponse(
        Image image,
        CompressedRle mask,
        long area,
        int[] box,
        float predictedIou,
        float stability,
        String source,
        Integer samOutput,
        String level,
        Proposal proposal,
        List<Candidate> candidates,
        Cached cached,
        Map<String, Long> timings) {

    /** @param sha256 name it in later clicks ({@code imageSha256}) instead of sending the image again */
    public record Image(String sha256, int width, int height) {}

    /**
     * @param className the proposed class, {@code null} when background scores highest
     * @param score the proposed class's score: the mask's mean CAM, min-max scaled over the image, in [0, 1]
     * @param background the background score {@code (1 - max score)^alpha}
     * @param scores every scored class with its score, highest first
     * @param promptSet the prompt set whose CAMs scored the mask
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Proposal(@JsonProperty("class") String className, float score,
            float background, List<ClassScore> scores, String promptSet) {}

    public record ClassScore(@JsonProperty("class") String className, float score) {}

    /** @param level {@code subpart}, {@code part} or {@code whole} */
    public record Candidate(int samOutput, String level, CompressedRle mask, long area, float predictedIou, float stability) {}

    /** Whether the image's SAM embedding and its CAMs were kept from earlier requests (no encoder or CLIP pass). */
    public record Cached(boolean embedding, Boolean cams) {}
}
