package com.fmawsss.api.segments;

import com.fmawsss.api.inference.ApiProperties;
import com.fmawsss.api.inference.RequestReader;
import com.fmawsss.clip.PromptSelection;
import com.fmawsss.image.DecodedImage;
import com.fmawsss.pipeline.PipelineExecutor;
import com.fmawsss.problems.ApiProblem;
import com.fmawsss.problems.ProblemTypes;
import com.fmawsss.prompts.PromptSet;
import com.fmawsss.sam.QuasiSuperpixel;
import com.fmawsss.sam.SamPrompt;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.multipart.MultipartFile;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Turns the bound parameters of {@code POST /v1/segments} into a validated {@link SegmentRequest}:
 * the image (uploaded, or named by the SHA-256 of one the service has seen), the clicks and box
 * (JSON, in pixels of the upright image), the classes to propose from (as {@code /v1/masks}
 * chooses prompts; the prompt set's vocabulary when none are named), the quasi-superpixel level.
 * Every bad input ends here as a problem.
 */
@Component
public class SegmentRequestReader {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    /** By {@link QuasiSuperpixel} level: {@code SUBPART}, {@code PART}, {@code WHOLE}. */
    static final List<String> LEVELS = List.of("subpart", "part", "whole");

    private final RequestReader reader;
    private final PipelineExecutor executor;
    private final ApiProperties limits;

    public SegmentRequestReader(RequestReader reader, PipelineExecutor executor, ApiProperties limits) {
        this.reader = reader;
        this.executor = executor;
        this.limits = limits;
    }

    /**
     * @param points JSON {@code [[x, y, 1], [x, y, 0], ...]}: 1 a positive click, 0 a negative one
     * @param box JSON {@code [x1, y1, x2, y2]}
     * @param propose {@code false} for no class proposal
     */
    public SegmentRequest read(MultipartFile image, String imageSha256, String points, String box, List<String> classes,
            String promptVersion, Boolean propose, String level, String amg, Integer grid, Boolean candidates) {
        Integer levelIndex = level(level);
        var amgChoice = reader.amg(amg, grid);
        DecodedImage decoded = image(image, imageSha256);
        int width = decoded.image().width();
        int height = decoded.image().height();
        SamPrompt prompt = prompt(points, box, width, height);
        PromptSelection selection = null;
        if (propose == null || propose) {
            PromptSet set = reader.promptSet(promptVersion);
            List<String> names = classes == null || classes.isEmpty() ? vocabulary(set) : reader.classes(classes, "classes");
            selection = PromptSelection.learnedOrManual(set, names);
        }
        return new SegmentRequest(decoded, prompt, selection, levelIndex, amgChoice, candidates != null && candidates);
    }

    private DecodedImage image(MultipartFile image, String imageSha256) {
        String sha = imageSha256 == null || imageSha256.isBlank() ? null : imageSha256.strip().toLowerCase(Locale.ROOT);
        if (sha != null && !SHA256.matcher(sha).matches()) {
            throw ApiProblem.badRequest("'imageSha256' must be 64 hexadecimal digits, the SHA-256 of the image's bytes");
        }
        if (image != null && !image.isEmpty()) {
            DecodedImage decoded = reader.decode(image);
            if (sha != null && !sha.equals(decoded.sha256())) {
                throw ApiProblem.badRequest("'imageSha256' names another image than the uploaded one (" + decoded.sha256() + ")");
            }
            return decoded;
        }
        if (sha == null) {
            throw ApiProblem.badRequest("send the image as the multipart part 'image', or name one sent before with 'imageSha256'");
        }
        return executor.seenImage(sha).orElseThrow(() -> new ApiProblem(HttpStatus.NOT_FOUND, ProblemTypes.UNKNOWN_IMAGE,
                "Unknown image", "the service does not keep an image with SHA-256 " + sha
                        + " (never sent, or forgotten since); send the image itself in the part 'image'",
                Map.of("imageSha256", sha)));
    }

    private SamPrompt prompt(String pointsJson, String boxJson, int width, int height) {
        List<SamPrompt.Point> points = new ArrayList<>();
        if (pointsJson != null && !pointsJson.isBlank()) {
            JsonNode array = json(pointsJson, "points");
            if (!array.isArray()) {
                throw invalid("'points' must be a JSON array of [x, y, label] triples");
            }
            if (array.size() > limits.maxPromptPoints()) {
                throw invalid("at most " + limits.maxPromptPoints() + " points per prompt, got " + array.size());
            }
            for (JsonNode point : array) {
                if (!point.isArray() || point.size() != 3 || !point.get(0).isNumber() || !point.get(1).isNumber()
                        || !point.get(2).isIntegralNumber() || (point.get(2).asInt() != 0 && point.get(2).asInt() != 1)) {
                    throw invalid("each point is [x, y, label] with numbers x, y and label 1 (positive) or 0 (negative), got "
                            + point);
                }
                points.add(new SamPrompt.Point(point.get(0).asDouble(), point.get(1).asDouble(), point.get(2).asInt() == 1));
            }
        }
        SamPrompt.Box box = null;
        if (boxJson != null && !boxJson.isBlank()) {
            JsonNode array = json(boxJson, "box");
            if (!array.isArray() || array.size() != 4) {
                throw invalid("'box' must be a JSON array [x1, y1, x2, y2]");
            }
            double[] v = new double[4];
            for (int i = 0; i < 4; i++) {
                if (!array.get(i).isNumber()) {
                    throw invalid("'box' must hold four numbers, got " + array);
                }
                v[i] = array.get(i).asDouble();
            }
            box = new SamPrompt.Box(v[0], v[1], v[2], v[3]);
        }
        if (points.isEmpty() && box == null) {
            throw invalid("a prompt needs at least one point ('points') or a box ('box')");
        }
        SamPrompt prompt = new SamPrompt(points, box);
        try {
            prompt.requireWithin(width, height);
        } catch (IllegalArgumentException e) {
            throw invalid(e.getMessage());
        }
        return prompt;
    }

    private List<String> vocabulary(PromptSet set) {
        List<String> names = set.vocabulary().classNames();
        if (names.size() > limits.maxClasses()) {
            throw ApiProblem.unprocessable(ProblemTypes.INVALID_CLASSES, "Invalid classes", "the prompt set's vocabulary has "
                    + names.size() + " classes, more than " + limits.maxClasses() + " per request: name the classes to propose"
                    + " from in 'classes', or send 'propose=false'");
        }
        return names;
    }

    private static Integer level(String level) {
        if (level == null || level.isBlank()) {
            return null;
        }
        int index = LEVELS.indexOf(level.strip().toLowerCase(Locale.ROOT));
        if (index < 0) {
            throw ApiProblem.badRequest("'level' must be whole, part or subpart, got '" + level.strip() + "'");
        }
        return index; // the order of QuasiSuperpixel's levels
    }

    private static JsonNode json(String text, String field) {
        try {
            return JSON.readTree(text);
        } catch (JacksonException e) {
            throw invalid("'" + field + "' is not JSON: " + e.getOriginalMessage());
        }
    }

    private static ApiProblem invalid(String detail) {
        return ApiProblem.unprocessable(ProblemTypes.INVALID_PROMPT, "Invalid prompt", detail);
    }
}
