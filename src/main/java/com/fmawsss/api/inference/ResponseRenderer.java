package com.fmawsss.api.inference;

import com.fmawsss.masks.CocoRleCodec;
import com.fmawsss.image.LabelMapPng;
import com.fmawsss.masks.CocoRle;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import com.fmawsss.problems.ApiProblem;
import com.fmawsss.problems.ProblemTypes;
import java.util.Comparator;

/**
 * Renders a {@link LabelMapResult} as the client asked: {@code image/png} (VOC-palette label map,
 * class table in the {@value #CLASS_TABLE} header) or {@code application/json} (per-class COCO
 * RLE masks, scores, timings, metadata and debug outputs). JSON is the default.
 */
public final class ResponseRenderer {

    /** Header with the label index order of PNG responses: {@code 0=background,1=person,...}. */
    public static final String CLASS_TABLE = "X-Class-Table";

    /** Header with the prompt set that produced the response. */
    public static final String PROMPT_SET = "X-Prompt-Set";

    private ResponseRenderer() {}

    /**
     * Chooses the output format from an Accept header.
     *
     * @param accept the header value, or null
     * @return true for PNG, false for JSON
     * @throws ApiProblem 406 when neither format is acceptable
     */
    public static boolean wantsPng(String accept) {
        if (accept == null || accept.isBlank()) {
            return false;
        }
        List<MediaType> types;
        try {
            types = MediaType.parseMediaTypes(accept);
        } catch (RuntimeException e) {
            throw ApiProblem.badRequest("the Accept header is not valid: " + e.getMessage());
        }
        types = new ArrayList<>(types);
        types.sort(Comparator.comparingDouble(MediaType::getQualityValue).reversed());
        for (MediaType type : types) {
            if (type.getQualityValue() == 0) {
                continue;
            }
            if (type.isCompatibleWith(MediaType.APPLICATION_JSON) && !type.isWildcardType()) {
                return false;
            }
            if (type.isCompatibleWith(MediaType.IMAGE_PNG) && !type.isWildcardType()) {
                return true;
            }
            if (type.isWildcardType()) {
                return false;
            }
        }
        throw new ApiProblem(HttpStatus.NOT_ACCEPTABLE, ProblemTypes.NOT_ACCEPTABLE, "Not acceptable",
                "this endpoint produces application/json or image/png", Map.of("produces", List.of("application/json", "image/png")));
    }

    /** The response for a result: PNG (true) or JSON (false). */
    public static ResponseEntity<?> render(LabelMapResult result, boolean png) {
        String promptSet = result.metadata().prompts().id();
        if (png) {
            return ResponseEntity.ok()
                    .contentType(MediaType.IMAGE_PNG)
                    .header(CLASS_TABLE, classTable(result.classes()))
                    .header(PROMPT_SET, promptSet)
                    .body(LabelMapPng.encode(result.labels(), result.width(), result.height()));
        }
        return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).header(PROMPT_SET, promptSet).body(json(result));
    }

    public static String classTable(List<String> classes) {
        List<String> entries = new ArrayList<>();
        for (int i = 0; i < classes.size(); i++) {
            entries.add(i + "=" + URLEncoder.encode(classes.get(i), StandardCharsets.UTF_8));
        }
        return String.join(",", entries);
    }

    public static LabelMapResponse json(LabelMapResult result) {
        List<LabelMapResponse.ClassEntry> table = new ArrayList<>();
        for (int i = 0; i < result.classes().size(); i++) {
            table.add(new LabelMapResponse.ClassEntry(i, result.classes().get(i)));
        }
        List<LabelMapResponse.MaskEntry> masks = new ArrayList<>();
        int pixels = result.width() * result.height();
        int[] labels = result.labels();
        for (int label = 1; label < result.classes().size(); label++) {
            boolean[] mask = new boolean[pixels];
            long area = 0;
            for (int p = 0; p < pixels; p++) {
                if (labels[p] == label) {
                    mask[p] = true;
                    area++;
                }
            }
            masks.add(new LabelMapResponse.MaskEntry(result.classes().get(label), label, area,
                    CocoRleCodec.toWire(CocoRle.encode(mask, result.height(), result.width()))));
        }
        List<LabelMapResponse.SuperpixelEntry> superpixels = result.superpixels() == null ? null
                : result.superpixels().stream()
                        .map(q -> new LabelMapResponse.SuperpixelEntry(CocoRleCodec.toWire(q.mask()), q.level(), q.predictedIou(), q.stability()))
                        .toList();
        return new LabelMapResponse(result.width(), result.height(), table, masks, result.classScores(), result.timings(),
                result.metadata(), result.camsNpz() == null ? null : Base64.getEncoder().encodeToString(result.camsNpz()),
                superpixels);
    }
}
