package com.fmawsss.api.cvat;

import com.fmawsss.api.inference.RequestReader;
import com.fmawsss.image.DecodedImage;
import com.fmawsss.image.ImageDecoder;
import com.fmawsss.io.Sha256;
import com.fmawsss.labeling.Segmenter;
import com.fmawsss.labeling.cvat.CvatDetections;
import com.fmawsss.labeling.cvat.CvatDetector;
import com.fmawsss.labeling.cvat.CvatInteractor;
import com.fmawsss.labeling.cvat.CvatProperties;
import com.fmawsss.problems.ApiProblem;
import com.fmawsss.problems.ProblemTypes;
import com.fmawsss.sam.SamPrompt;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * CVAT's interactor protocol ({@code POST /cvat/interact}, {@link CvatInteractor}) and its detector protocol: the body CVAT's lambda manager sends a {@code detector} function
 * ({@code {"image": <base64>, "threshold": ...}}, plus {@code "classes"} from the function's label
 * spec) answered with CVAT's detector result, one mask shape per region. The nuclio function in
 * {@code cvat/} only forwards to this endpoint. Class semantics are those of {@code
 * /v1/masks}; {@code threshold} is accepted and ignored (see docs/integrations.md). A body that is
 * not CVAT's is a problem; a frame that cannot be done is an empty list with the reason in {@value
 * #SKIPPED} ({@link CvatDetector}).
 */
@RestController
@RequestMapping(path = "${fma.cvat.base-path:/cvat}", produces = MediaType.APPLICATION_JSON_VALUE)
@ConditionalOnProperty(prefix = "fma.cvat", name = "enabled", havingValue = "true", matchIfMissing = true)
public class CvatController {

    /** Response header saying why a frame got no detections because it could not be done. */
    public static final String SKIPPED = "Fma-Detection-Skipped";

    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** Every format CVAT serves frames in. */
    private static final ImageDecoder FRAMES = ImageDecoder.forFrames();

    private final RequestReader reader;
    private final Segmenter segmenter;
    private final CvatDetector detector;
    private final CvatProperties properties;

    /**
     * @param reader validates class lists as the inference endpoints do
     * @param segmenter the inference
     * @param properties settings
     */
    public CvatController(RequestReader reader, Segmenter segmenter, CvatProperties properties) {
        this.reader = reader;
        this.segmenter = segmenter;
        this.detector = new CvatDetector(segmenter, properties.answerWithin());
        this.properties = properties;
    }

    /**
     * Detects class regions in an image.
     *
     * @param request the raw request (the body is read with a size limit)
     * @return the detections
     */
    @PostMapping(path = "/detect", consumes = MediaType.APPLICATION_JSON_VALUE)
    public CompletableFuture<ResponseEntity<List<CvatDetections.Detection>>> detect(HttpServletRequest request) {
        long arrived = System.nanoTime();
        JsonNode body = readBody(request);
        byte[] bytes = imageBytes(body);
        JsonNode threshold = body.path("threshold");
        if (!threshold.isMissingNode() && !threshold.isNull() && !(threshold.isNumber() || isNumericText(threshold))) {
            throw ApiProblem.badRequest("'threshold' must be a number");
        }
        List<String> classes = reader.classes(classes(body.path("classes")), "classes");
        return detector.detect(bytes, classes, arrived).thenApply(answer -> answer.skipped() == null
                ? ResponseEntity.ok(answer.detections())
                : ResponseEntity.ok().header(SKIPPED, headerValue(answer.skipped())).body(answer.detections()));
    }

    /**
     * CVAT's interactor: SAM's mask for an annotator's clicks and box on a frame, cropped to the box
     * around it. The frame's SHA-256 names it, so later clicks on the same frame take the decoded
     * image and its SAM embedding the service kept.
     *
     * @param request the raw request (the body is read with a size limit)
     * @return {@code {"mask": rows of 0/255, "bounds": [xtl, ytl, xbr, ybr]}}
     */
    @PostMapping(path = "/interact", consumes = MediaType.APPLICATION_JSON_VALUE)
    public CompletableFuture<CvatInteractor.Answer> interact(HttpServletRequest request) {
        JsonNode body = readBody(request);
        if (!segmenter.answersClicks()) {
            throw new ApiProblem(HttpStatus.NOT_IMPLEMENTED, ProblemTypes.PROMPTS_UNSUPPORTED, "Interactor not supported",
                    "the model bundle was exported without SAM's prompt decoder (sam/prompt_decoder.pt); export it again"
                            + " with models/export.py to answer CVAT's interactor", Map.of());
        }
        byte[] bytes = imageBytes(body);
        DecodedImage frame = segmenter.seenImage(Sha256.hex(bytes))
                .orElseGet(() -> FRAMES.decode(bytes, segmenter.imageLimits()));
        SamPrompt prompt;
        try {
            prompt = CvatInteractor.prompt(body, frame.image().width(), frame.image().height(), segmenter.maxPromptPoints());
        } catch (IllegalArgumentException e) {
            throw invalidPrompt(e.getMessage());
        }
        return segmenter.click(frame, prompt).thenApply(mask -> {
            try {
                return CvatInteractor.answer(mask);
            } catch (IllegalArgumentException e) {
                throw invalidPrompt(e.getMessage());
            }
        });
    }

    private static ApiProblem invalidPrompt(String detail) {
        return ApiProblem.unprocessable(ProblemTypes.INVALID_PROMPT, "Invalid prompt", detail);
    }

    private static byte[] imageBytes(JsonNode body) {
        JsonNode image = body.path("image");
        if (!image.isString() || image.asString().isEmpty()) {
            throw ApiProblem.badRequest("'image' must be the base64-encoded image");
        }
        try {
            return Base64.getDecoder().decode(image.asString().replaceAll("\\s", ""));
        } catch (IllegalArgumentException e) {
            throw ApiProblem.badRequest("'image' is not valid base64");
        }
    }

    /** One line of printable ASCII, as a header value must be. */
    private static String headerValue(String text) {
        String ascii = text.replaceAll("[^\\x20-\\x7e]", "?");
        return ascii.length() <= 300 ? ascii : ascii.substring(0, 297) + "...";
    }

    private List<String> classes(JsonNode node) {
        List<String> names = new ArrayList<>();
        if (node.isMissingNode() || node.isNull()) {
            List<String> vocabulary = segmenter.activePromptSet().vocabulary().classNames();
            if (vocabulary.size() > segmenter.maxClasses()) {
                throw ApiProblem.unprocessable(ProblemTypes.INVALID_CLASSES, "Invalid classes", "the active vocabulary has "
                        + vocabulary.size() + " classes, more than " + segmenter.maxClasses() + " per request: send 'classes'");
            }
            return vocabulary;
        }
        if (node.isString()) {
            names.add(node.asString());
        } else if (node.isArray()) {
            for (JsonNode name : node) {
                if (!name.isString()) {
                    throw ApiProblem.badRequest("'classes' must be a list of names");
                }
                names.add(name.asString());
            }
        } else {
            throw ApiProblem.badRequest("'classes' must be a list of names");
        }
        return names;
    }

    private JsonNode readBody(HttpServletRequest request) {
        long max = properties.maxBodyBytes();
        if (request.getContentLengthLong() > max) {
            throw tooLarge(max);
        }
        byte[] bytes;
        try (InputStream in = request.getInputStream()) {
            bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
        } catch (IOException e) {
            throw ApiProblem.badRequest("the body could not be read");
        }
        if (bytes.length > max) {
            throw tooLarge(max);
        }
        try {
            JsonNode body = JSON.readTree(bytes);
            if (body == null || !body.isObject()) {
                throw ApiProblem.badRequest("the body must be a JSON object");
            }
            return body;
        } catch (JacksonException e) {
            throw ApiProblem.badRequest("the body is not valid JSON");
        }
    }

    private static ApiProblem tooLarge(long max) {
        return new ApiProblem(HttpStatus.PAYLOAD_TOO_LARGE, ProblemTypes.PAYLOAD_TOO_LARGE, "Payload too large",
                "the body is larger than " + max + " bytes (fma.cvat.max-body-bytes)", Map.of());
    }

    private static boolean isNumericText(JsonNode node) {
        if (!node.isString()) {
            return false;
        }
        try {
            Double.parseDouble(node.asString());
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
