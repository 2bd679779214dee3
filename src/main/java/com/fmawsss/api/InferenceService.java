package com.fmawsss.api;

import com.fmawsss.bundle.BundleManifest;
import com.fmawsss.bundle.ModelBundle;
import com.fmawsss.cam.CamResult;
import com.fmawsss.cam.CamSettings;
import com.fmawsss.clip.PromptSelection;
import com.fmawsss.clip.UnknownClassException;
import com.fmawsss.image.DecodedImage;
import com.fmawsss.image.ImageDecoder;
import com.fmawsss.image.ImageLimits;
import com.fmawsss.ops.scheduler.InferenceScheduler;
import com.fmawsss.ops.scheduler.Priority;
import com.fmawsss.pipeline.SeedPipeline;
import com.fmawsss.pipeline.SeedResult;
import com.fmawsss.prompts.PromptKind;
import com.fmawsss.prompts.PromptRegistry;
import com.fmawsss.prompts.PromptSet;
import com.fmawsss.sam.AmgSettings;
import com.fmawsss.sam.QuasiSuperpixelCache;
import com.fmawsss.sam.QuasiSuperpixel;
import com.fmawsss.seeding.SeedMap;
import com.fmawsss.tensors.FloatTensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.springframework.stereotype.Service;
import org.springframework.web.multipart.MultipartFile;
import com.fmawsss.problems.ApiProblem;
import com.fmawsss.problems.ProblemTypes;

/**
 * Request handling shared by the inference endpoints: input validation, prompt resolution,
 * scheduling of the pipeline and assembly of results with reproducibility metadata. Controllers
 * only bind parameters and render.
 */
@Service
public class InferenceService {

    private final ImageDecoder decoder;
    private final ApiProperties limits;
    private final PromptRegistry prompts;
    private final SeedPipeline pipeline;
    private final InferenceScheduler scheduler;
    private final AmgSettings amg;
    private final Map<String, Object> bundleMetadata;

    /**
     * Creates the service.
     *
     * @param decoder image decoder
     * @param limits request limits
     * @param prompts prompt sets
     * @param pipeline seed pipeline
     * @param scheduler inference scheduler
     * @param amg mask-generation settings
     * @param bundle the loaded bundle
     */
    public InferenceService(ImageDecoder decoder, ApiProperties limits, PromptRegistry prompts, SeedPipeline pipeline,
            InferenceScheduler scheduler, AmgSettings amg, ModelBundle bundle) {
        this.decoder = decoder;
        this.limits = limits;
        this.prompts = prompts;
        this.pipeline = pipeline;
        this.scheduler = scheduler;
        this.amg = amg;
        this.bundleMetadata = bundleMetadata(bundle);
    }

    /**
     * Decodes and validates an uploaded image.
     *
     * @param file the multipart file
     * @return the decoded image
     */
    public DecodedImage decode(MultipartFile file) {
        if (file == null || file.isEmpty()) {
            throw ApiProblem.badRequest("the multipart part 'image' is missing or empty");
        }
        try {
            return decoder.decode(file.getBytes(), new ImageLimits(limits.maxPixels(), limits.minSide(), Long.MAX_VALUE));
        } catch (IOException e) {
            throw ApiProblem.badRequest("the image part could not be read");
        }
    }

    /**
     * Parses class names: the parameter may repeat, each value may hold comma-separated names.
     *
     * @param raw parameter values
     * @param parameter the parameter's name (for messages)
     * @return trimmed, non-empty, distinct names in order
     */
    public List<String> classes(List<String> raw, String parameter) {
        List<String> names = new ArrayList<>();
        if (raw != null) {
            for (String value : raw) {
                for (String part : value.split(",", -1)) {
                    names.add(part.strip());
                }
            }
        }
        if (names.isEmpty() || names.stream().allMatch(String::isEmpty)) {
            throw ApiProblem.unprocessable(ProblemTypes.INVALID_CLASSES, "Invalid classes",
                    "'" + parameter + "' must name at least one class");
        }
        if (names.stream().anyMatch(String::isEmpty)) {
            throw ApiProblem.unprocessable(ProblemTypes.INVALID_CLASSES, "Invalid classes",
                    "'" + parameter + "' contains an empty class name");
        }
        if (names.size() > limits.maxClasses()) {
            throw ApiProblem.unprocessable(ProblemTypes.INVALID_CLASSES, "Invalid classes",
                    "at most " + limits.maxClasses() + " classes per request, got " + names.size());
        }
        Set<String> seen = new HashSet<>();
        for (String name : names) {
            if (name.length() > limits.maxClassNameLength() || name.chars().anyMatch(Character::isISOControl)) {
                throw ApiProblem.unprocessable(ProblemTypes.INVALID_CLASSES, "Invalid classes",
                        "class names must be at most " + limits.maxClassNameLength() + " characters without control characters");
            }
            if (!seen.add(name.toLowerCase(Locale.ROOT))) {
                throw ApiProblem.unprocessable(ProblemTypes.INVALID_CLASSES, "Invalid classes", "class '" + name + "' is listed twice");
            }
        }
        return names;
    }

    /**
     * Resolves the prompt set of a request.
     *
     * @param version requested version, or null/blank for the active one
     * @return the prompt set
     */
    public PromptSet promptSet(String version) {
        if (version == null || version.isBlank()) {
            return prompts.active();
        }
        return prompts.get(version.strip()).orElseThrow(() -> ApiProblem.unprocessable(ProblemTypes.UNKNOWN_PROMPT_VERSION,
                "Unknown prompt version", "no prompt version '" + version.strip() + "'; see GET /v1/admin/prompts"));
    }

    /**
     * {@code /v1/masks}: learned prompts when the set knows every class, manual CLIP-ES prompts
     * (zero-shot, any name) otherwise.
     *
     * @param image the image
     * @param classes class names
     * @param set the prompt set
     * @param sams SAMS refinement (true) or pixel-level CAM labels (false)
     * @return the result, when the scheduler has run it
     */
    public CompletableFuture<LabelMapResult> masks(DecodedImage image, List<String> classes, PromptSet set, boolean sams) {
        PromptSelection selection = set.kind() != PromptKind.MANUAL && classes.stream().allMatch(c -> set.vocabulary().indexOf(c) >= 0)
                ? PromptSelection.of(set, classes)
                : PromptSelection.of(PromptSet.manual(set.vocabulary()), classes);
        return scheduler.submit(Priority.INTERACTIVE, () -> {
            if (sams) {
                SeedResult seed = pipeline.seed(image.image(), image.sha256(), selection, amg);
                return result(image, selection, seed.seedMap().labels(), seed.cams(), seed.alpha(), seed.timingsMillis(), true, Map.of());
            }
            SeedResult dense = pipeline.camLabels(image.image(), selection, com.fmawsss.progress.Progress.NONE);
            return result(image, selection, dense.seedMap().labels(), dense.cams(), dense.alpha(), dense.timingsMillis(), false,
                    Map.of());
        });
    }

    /**
     * {@code /v1/seeds}: labels must come from the prompt set's vocabulary.
     *
     * @param image the image
     * @param labels image-level labels
     * @param set the prompt set
     * @param include debug outputs ({@code cams}, {@code superpixels})
     * @return the result, when the scheduler has run it
     */
    public CompletableFuture<LabelMapResult> seeds(DecodedImage image, List<String> labels, PromptSet set, Set<String> include) {
        List<String> unknown = labels.stream().filter(l -> set.vocabulary().indexOf(l) < 0).toList();
        if (!unknown.isEmpty()) {
            throw new UnknownClassException(unknown, set.id());
        }
        PromptSelection selection = PromptSelection.of(set, labels);
        return scheduler.submit(Priority.INTERACTIVE, () -> {
            SeedResult seed = pipeline.seed(image.image(), image.sha256(), selection, amg);
            Map<String, Object> extras = new LinkedHashMap<>();
            if (include.contains("cams")) {
                extras.put("cams", Base64.getEncoder().encodeToString(seed.cams().toNpz()));
            }
            if (include.contains("superpixels")) {
                extras.put("superpixels", superpixelsJson(seed.superpixels()));
            }
            return result(image, selection, seed.seedMap().labels(), seed.cams(), seed.alpha(), seed.timingsMillis(), true, extras);
        });
    }

    /**
     * {@code /v1/refine}: SAMS over uploaded per-class score maps.
     *
     * @param image the image
     * @param scores {@code [C, h, w]} scores
     * @param classes one name per channel
     * @param alpha background exponent
     * @return the result, when the scheduler has run it
     */
    public CompletableFuture<LabelMapResult> refine(DecodedImage image, FloatTensor scores, List<String> classes, double alpha) {
        return scheduler.submit(Priority.INTERACTIVE, () -> {
            SeedResult refined = pipeline.refineScores(image.image(), image.sha256(), scores, alpha, amg,
                    com.fmawsss.progress.Progress.NONE);
            SeedMap map = refined.seedMap();
            Map<String, Long> timings = refined.timingsMillis();
            List<String> table = new ArrayList<>();
            table.add("background");
            table.addAll(classes);
            Map<String, Object> metadata = new LinkedHashMap<>();
            metadata.put("bundle", bundleMetadata);
            metadata.put("prompts", Map.of("id", "none", "mode", "uploaded-scores"));
            metadata.put("parameters", Map.of("alpha", alpha, "amg", amgJson(), "image", imageJson(image, null),
                    "scores", List.of(scores.dim(0), scores.dim(1), scores.dim(2))));
            return new LabelMapResult(image.image().width(), image.image().height(), map.labels(), table, Map.of(), timings,
                    metadata, Map.of());
        });
    }

    /**
     * Validates an uploaded score map against the request.
     *
     * @param scores the parsed array
     * @param classes number of channels expected
     * @return the tensor
     */
    public FloatTensor validateScores(FloatTensor scores, int classes) {
        int[] shape = scores.shape();
        if (shape.length != 3 || shape[0] != classes || shape[1] < 1 || shape[2] < 1) {
            throw new ApiProblem(org.springframework.http.HttpStatus.UNPROCESSABLE_CONTENT, ProblemTypes.MALFORMED_SCORE_MAP,
                    "Malformed score map", "expected a float32 array of shape [" + classes + ", H, W] (one channel per class), got "
                            + java.util.Arrays.toString(shape), Map.of("expectedShape", List.of(classes, "H", "W")));
        }
        for (float v : scores.data()) {
            if (!Float.isFinite(v)) {
                throw ApiProblem.unprocessable(ProblemTypes.MALFORMED_SCORE_MAP, "Malformed score map",
                        "the score map contains NaN or infinite values");
            }
        }
        return scores;
    }

    private LabelMapResult result(DecodedImage image, PromptSelection selection, int[] labels, CamResult cams, double alpha,
            Map<String, Long> timings, boolean sams, Map<String, Object> extras) {
        List<String> table = new ArrayList<>();
        table.add("background");
        table.addAll(selection.names());
        float[] logits = cams.logits();
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double sum = 0;
        for (float l : logits) {
            sum += Math.exp(l - max);
        }
        Map<String, Map<String, Object>> scores = new LinkedHashMap<>();
        for (int i = 0; i < selection.present(); i++) {
            scores.put(selection.names().get(i), Map.of("logit", logits[i], "probability", Math.exp(logits[i] - max) / sum));
        }
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("bundle", bundleMetadata);
        PromptSet set = selection.promptSet();
        metadata.put("prompts", Map.of("id", set.id(), "kind", set.kind().name().toLowerCase(Locale.ROOT),
                "layout", set.layout().name().toLowerCase(Locale.ROOT), "vocabulary", set.vocabulary().name()));
        Map<String, Object> parameters = new LinkedHashMap<>();
        CamSettings c = cams.settings();
        parameters.put("cam", Map.of("stream", c.stream(), "caa", c.enabled(), "attentionLayers", c.attentionLayers(),
                "sinkhornPasses", c.sinkhornPasses(), "power", c.power(), "boxThreshold", c.boxThreshold(),
                "caaInput", c.input().name().toLowerCase(Locale.ROOT)));
        parameters.put("refine", sams ? "sams" : "none");
        parameters.put("alpha", alpha);
        if (sams) {
            parameters.put("amg", amgJson());
        }
        parameters.put("image", imageJson(image, new int[] {cams.inputHeight(), cams.inputWidth()}));
        metadata.put("parameters", parameters);
        return new LabelMapResult(image.image().width(), image.image().height(), labels, table, scores, timings, metadata, extras);
    }

    private Map<String, Object> amgJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("pointsPerSide", amg.pointsPerSide());
        m.put("predIouThresh", amg.predIouThresh());
        m.put("levelIouOffsets", amg.levelIouOffsets());
        m.put("stabilityThresh", amg.stabilityThresh());
        m.put("stabilityOffset", amg.stabilityOffset());
        m.put("boxNmsThresh", amg.boxNmsThresh());
        m.put("cropNLayers", amg.cropNLayers());
        m.put("cropNmsThresh", amg.cropNmsThresh());
        m.put("minMaskRegionArea", amg.minMaskRegionArea());
        m.put("overlapFilterThreshold", amg.overlapFilterThreshold());
        return m;
    }

    private static Map<String, Object> imageJson(DecodedImage image, int[] clipInput) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("width", image.image().width());
        m.put("height", image.image().height());
        m.put("format", image.format());
        m.put("exifOrientation", image.exifOrientation());
        m.put("sha256", image.sha256());
        if (clipInput != null) {
            m.put("clipInput", List.of(clipInput[0], clipInput[1]));
        }
        return m;
    }

    private static List<Map<String, Object>> superpixelsJson(List<QuasiSuperpixel> masks) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (QuasiSuperpixel q : masks) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("rle", q.mask().toJson());
            m.put("level", q.level());
            m.put("predictedIou", q.predictedIou());
            m.put("stability", q.stability());
            out.add(m);
        }
        return out;
    }

    private static Map<String, Object> bundleMetadata(ModelBundle bundle) {
        BundleManifest manifest = bundle.manifest();
        Map<String, Object> m = new LinkedHashMap<>();
        Map<String, Object> clip = new LinkedHashMap<>();
        clip.put("source", manifest.clip().source());
        clip.put("revision", manifest.clip().revision());
        Map<String, Object> sam = new LinkedHashMap<>();
        sam.put("source", manifest.sam().source());
        sam.put("revision", manifest.sam().revision());
        m.put("clip", clip);
        m.put("sam", sam);
        try {
            m.put("manifestSha256", QuasiSuperpixelCache.sha256(Files.readAllBytes(bundle.directory().resolve("manifest.json"))));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        m.put("dtype", manifest.dtype());
        m.put("device", com.fmawsss.bundle.Devices.name(bundle.device()));
        m.put("demo", bundle.demo());
        return m;
    }
}
