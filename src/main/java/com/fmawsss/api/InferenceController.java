package com.fmawsss.api;

import com.fmawsss.image.DecodedImage;
import com.fmawsss.image.ImageLimits;
import com.fmawsss.image.LabelMap;
import com.fmawsss.image.LabelMapPng;
import com.fmawsss.prompts.PromptSet;
import com.fmawsss.seeding.SamsSeeder;
import com.fmawsss.tensors.FloatTensor;
import com.fmawsss.tensors.Npy;
import com.fmawsss.tensors.NpyArray;
import com.fmawsss.tensors.Npz;
import com.fmawsss.tensors.TensorFormatException;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.io.IOException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.request.async.DeferredResult;
import org.springframework.web.multipart.MultipartFile;
import com.fmawsss.problems.ApiProblem;

/**
 * The inference endpoints (spec §5): text to mask, seeds from image-level labels, and SAMS
 * refinement of uploaded score maps. Thin: binds parameters, delegates to {@link
 * InferenceService}, renders. Work runs on the inference scheduler; a client that disconnects
 * cancels its queued work.
 */
@RestController
@RequestMapping("/v1")
@Tag(name = "inference", description = "Semantic masks, seeds and SAMS refinement")
public class InferenceController {

    private static final Set<String> INCLUDES = Set.of("cams", "superpixels");

    private final InferenceService service;

    /**
     * Creates the controller.
     *
     * @param service request handling
     */
    public InferenceController(InferenceService service) {
        this.service = service;
    }

    /**
     * Text to semantic mask.
     *
     * @param image the image (PNG, JPEG, WebP when supported)
     * @param classes class names (repeatable, comma-separated)
     * @param prompts prompt version (default: the active one)
     * @param refine {@code sams} or {@code none}
     * @param accept {@code application/json} (default) or {@code image/png}
     * @return the label map
     */
    @Operation(summary = "Segment an image into the given classes")
    @PostMapping(path = "/masks", consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    public DeferredResult<ResponseEntity<?>> masks(
            @RequestPart(name = "image", required = false) MultipartFile image,
            @RequestParam(name = "classes", required = false) List<String> classes,
            @RequestParam(name = "prompts", required = false) String prompts,
            @RequestParam(name = "refine", required = false, defaultValue = "sams") String refine,
            @RequestHeader(name = HttpHeaders.ACCEPT, required = false) String accept) {
        boolean png = ResponseRenderer.wantsPng(accept);
        if (!"sams".equals(refine) && !"none".equals(refine)) {
            throw ApiProblem.badRequest("'refine' must be 'sams' or 'none', got '" + refine + "'");
        }
        DecodedImage decoded = service.decode(image);
        List<String> names = service.classes(classes, "classes");
        PromptSet set = service.promptSet(prompts);
        return deferred(service.masks(decoded, names, set, "sams".equals(refine)), png);
    }

    /**
     * Seed map from image-level labels.
     *
     * @param image the image
     * @param labels labels from the prompt set's vocabulary
     * @param prompts prompt version (default: the active one)
     * @param include debug outputs: {@code cams}, {@code superpixels}
     * @param accept {@code application/json} (default) or {@code image/png}
     * @return the seed map
     */
    @Operation(summary = "Compute the FMA-WSSS seed map of an image from its image-level labels")
    @PostMapping(path = "/seeds", consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    public DeferredResult<ResponseEntity<?>> seeds(
            @RequestPart(name = "image", required = false) MultipartFile image,
            @RequestParam(name = "labels", required = false) List<String> labels,
            @RequestParam(name = "prompts", required = false) String prompts,
            @RequestParam(name = "include", required = false) List<String> include,
            @RequestHeader(name = HttpHeaders.ACCEPT, required = false) String accept) {
        boolean png = ResponseRenderer.wantsPng(accept);
        Set<String> extras = includes(include);
        DecodedImage decoded = service.decode(image);
        List<String> names = service.classes(labels, "labels");
        PromptSet set = service.promptSet(prompts);
        return deferred(service.seeds(decoded, names, set, extras), png);
    }

    /**
     * SAMS refinement of uploaded per-class score maps.
     *
     * @param image the image
     * @param scores {@code .npy} or {@code .npz} float32 {@code [C, H, W]}
     * @param labels alternatively a label PNG (0 = background, i = i-th class)
     * @param classes one name per channel / label
     * @param alpha background exponent (default 0.7)
     * @param accept {@code application/json} (default) or {@code image/png}
     * @return the refined label map
     */
    @Operation(summary = "Refine per-class score maps with SAMS")
    @PostMapping(path = "/refine", consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    public DeferredResult<ResponseEntity<?>> refine(
            @RequestPart(name = "image", required = false) MultipartFile image,
            @RequestPart(name = "scores", required = false) MultipartFile scores,
            @RequestPart(name = "labels", required = false) MultipartFile labels,
            @RequestParam(name = "classes", required = false) List<String> classes,
            @RequestParam(name = "alpha", required = false) Double alpha,
            @RequestHeader(name = HttpHeaders.ACCEPT, required = false) String accept) {
        boolean png = ResponseRenderer.wantsPng(accept);
        double a = alpha == null ? SamsSeeder.ALPHA_FINE : alpha;
        if (!(a > 0 && a <= 10)) {
            throw ApiProblem.badRequest("'alpha' must be in (0, 10]");
        }
        boolean hasScores = scores != null && !scores.isEmpty();
        boolean hasLabels = labels != null && !labels.isEmpty();
        if (hasScores == hasLabels) {
            throw ApiProblem.badRequest("send exactly one of the parts 'scores' (.npy/.npz) and 'labels' (PNG)");
        }
        DecodedImage decoded = service.decode(image);
        List<String> names = service.classes(classes, "classes");
        FloatTensor tensor = hasScores
                ? service.validateScores(readScores(scores), names.size())
                : oneHot(readLabels(labels, decoded), names.size());
        return deferred(service.refine(decoded, tensor, names, a), png);
    }

    private static Set<String> includes(List<String> include) {
        Set<String> out = new LinkedHashSet<>();
        if (include != null) {
            for (String value : include) {
                for (String part : value.split(",")) {
                    String name = part.strip();
                    if (name.isEmpty()) {
                        continue;
                    }
                    if (!INCLUDES.contains(name)) {
                        throw ApiProblem.badRequest("'include' accepts cams and superpixels, got '" + name + "'");
                    }
                    out.add(name);
                }
            }
        }
        return out;
    }

    private FloatTensor readScores(MultipartFile file) {
        byte[] bytes;
        try {
            bytes = file.getBytes();
        } catch (IOException e) {
            throw ApiProblem.badRequest("the 'scores' part could not be read");
        }
        long limit = 50_000_000L;
        NpyArray array;
        if (bytes.length >= 2 && bytes[0] == 'P' && bytes[1] == 'K') {
            Map<String, NpyArray> arrays = Npz.read(bytes, limit);
            array = arrays.containsKey("scores") ? arrays.get("scores")
                    : arrays.size() == 1 ? arrays.values().iterator().next() : null;
            if (array == null) {
                throw new TensorFormatException(".npz with several arrays must name the score map 'scores'");
            }
        } else {
            array = Npy.read(bytes, limit);
        }
        return array.toFloatTensor();
    }

    private static LabelMap readLabels(MultipartFile file, DecodedImage image) {
        try {
            LabelMap map = LabelMapPng.decode(file.getBytes(), ImageLimits.defaults());
            if (map.width() != image.image().width() || map.height() != image.image().height()) {
                throw new TensorFormatException("the label PNG is " + map.width() + "x" + map.height()
                        + ", the image is " + image.image().width() + "x" + image.image().height());
            }
            return map;
        } catch (IOException e) {
            throw ApiProblem.badRequest("the 'labels' part could not be read");
        }
    }

    private static FloatTensor oneHot(LabelMap map, int classes) {
        int pixels = map.width() * map.height();
        float[] data = new float[classes * pixels];
        int[] labels = map.labels();
        for (int p = 0; p < pixels; p++) {
            int label = labels[p];
            if (label > classes && label != 255) {
                throw new TensorFormatException("label " + label + " has no class: " + classes + " classes were given");
            }
            if (label >= 1 && label <= classes) {
                data[(label - 1) * pixels + p] = 1f;
            }
        }
        return new FloatTensor(new int[] {classes, map.height(), map.width()}, data);
    }

    private static DeferredResult<ResponseEntity<?>> deferred(CompletableFuture<LabelMapResult> future, boolean png) {
        DeferredResult<ResponseEntity<?>> result = new DeferredResult<>();
        future.whenComplete((value, error) -> {
            if (error != null) {
                result.setErrorResult(error instanceof CompletionException && error.getCause() != null ? error.getCause() : error);
            } else {
                try {
                    result.setResult(ResponseRenderer.render(value, png));
                } catch (RuntimeException e) {
                    result.setErrorResult(e);
                }
            }
        });
        // A client that goes away or a servlet timeout cancels work still waiting in the queue.
        result.onError(error -> future.cancel(true));
        result.onTimeout(() -> future.cancel(true));
        return result;
    }
}
