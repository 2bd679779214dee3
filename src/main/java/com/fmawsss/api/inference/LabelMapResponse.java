package com.fmawsss.api.inference;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fmawsss.masks.CompressedRle;
import java.util.List;
import java.util.Map;

/**
 * The JSON body of {@code /v1/masks}, {@code /v1/seeds} and {@code /v1/refine} (schema {@code
 * LabelMapResponse} of api/openapi.yaml).
 *
 * @param classes the class table: index 0 is {@code background}, index i the i-th requested class
 * @param masks one COCO RLE mask per foreground class, in class-table order
 * @param scores image-level prediction per class (empty for uploaded score maps)
 * @param timings milliseconds per pipeline part ({@code cam}, {@code superpixels}, {@code sams})
 * @param cams {@code include=cams}: base64 of an .npz holding float32 {@code raw} and
 *     {@code refined} [P, h, w] on the CLIP patch grid
 * @param superpixels {@code include=superpixels}: the quasi-superpixels in generator order
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LabelMapResponse(
        int width,
        int height,
        List<ClassEntry> classes,
        List<MaskEntry> masks,
        Map<String, ClassScore> scores,
        Map<String, Long> timings,
        ResponseMetadata.Metadata metadata,
        String cams,
        List<SuperpixelEntry> superpixels) {

    public record ClassEntry(int index, String name) {}

    public record MaskEntry(@JsonProperty("class") String className, int index, long area, CompressedRle rle) {}

    public record ClassScore(double logit, double probability) {}

    /** @param level 0 subpart, 1 part, 2 whole */
    public record SuperpixelEntry(CompressedRle rle, int level, float predictedIou, float stability) {}
}
