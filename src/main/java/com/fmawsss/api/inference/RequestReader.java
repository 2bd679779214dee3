package com.fmawsss.api.inference;

import com.fmawsss.api.inference.InferenceRequest.Endpoint;
import com.fmawsss.clip.PromptSelection;
import com.fmawsss.clip.UnknownClassException;
import com.fmawsss.image.DecodedImage;
import com.fmawsss.image.ImageDecoder;
import com.fmawsss.image.ImageLimits;
import com.fmawsss.pipeline.AmgChoice;
import com.fmawsss.pipeline.AmgProfileResolver;
import com.fmawsss.problems.ApiProblem;
import com.fmawsss.problems.ProblemTypes;
import com.fmawsss.prompts.PromptRegistry;
import com.fmawsss.prompts.PromptSet;
import com.fmawsss.sam.AmgProfiles;
import com.fmawsss.sams.SamsSeeder;
import com.fmawsss.tensors.FloatTensor;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.multipart.MultipartFile;

/**
 * Turns the bound parameters of an inference endpoint into a validated {@link InferenceRequest}:
 * decodes the image, checks class names, resolves the prompt set and the mask-generation profile,
 * reads uploaded score maps. Every bad input ends here as an {@link ApiProblem} (4xx).
 */
@Component
public class RequestReader {

    private static final Set<String> INCLUDES = Set.of("cams", "superpixels");

    private final ImageDecoder decoder;
    private final ApiProperties limits;
    private final PromptRegistry prompts;
    private final AmgProfileResolver amgProfiles;
    private final UploadedScoreMaps scoreMaps;

    public RequestReader(ImageDecoder decoder, ApiProperties limits, PromptRegistry prompts, AmgProfileResolver amgProfiles) {
        this.decoder = decoder;
        this.limits = limits;
        this.prompts = prompts;
        this.amgProfiles = amgProfiles;
        this.scoreMaps = new UploadedScoreMaps(limits.maxScoreElements());
    }

    /**
     * {@code /v1/masks}: learned prompts when the set knows every class, manual CLIP-ES prompts
     * (zero-shot, any name) otherwise.
     */
    public InferenceRequest masks(MultipartFile image, List<String> classes, String promptVersion, String refine,
            List<String> include, String amg, Integer grid) {
        if (!"sams".equals(refine) && !"none".equals(refine)) {
            throw ApiProblem.badRequest("'refine' must be 'sams' or 'none', got '" + refine + "'");
        }
        Set<String> extras = includes(include);
        boolean sams = "sams".equals(refine);
        if (!sams && extras.contains("superpixels")) {
            throw ApiProblem.badRequest("'include=superpixels' needs refine=sams: without SAM there are no superpixels");
        }
        AmgChoice amgChoice = sams ? amg(amg, grid) : null;
        DecodedImage decoded = decode(image);
        List<String> names = classes(classes, "classes");
        PromptSet set = promptSet(promptVersion);
        return new InferenceRequest(Endpoint.MASKS, decoded, names, PromptSelection.learnedOrManual(set, names), amgChoice, null,
                Double.NaN, extras);
    }

    /** {@code /v1/seeds}: labels must come from the prompt set's vocabulary. */
    public InferenceRequest seeds(MultipartFile image, List<String> labels, String promptVersion, List<String> include,
            String amg, Integer grid) {
        Set<String> extras = includes(include);
        AmgChoice amgChoice = amg(amg, grid);
        DecodedImage decoded = decode(image);
        List<String> names = classes(labels, "labels");
        PromptSet set = promptSet(promptVersion);
        List<String> unknown = names.stream().filter(l -> set.vocabulary().indexOf(l) < 0).toList();
        if (!unknown.isEmpty()) {
            throw new UnknownClassException(unknown, set.id());
        }
        return new InferenceRequest(Endpoint.SEEDS, decoded, names, PromptSelection.of(set, names), amgChoice, null,
                Double.NaN, extras);
    }

    /** {@code /v1/refine}: exactly one of {@code scores} (.npy/.npz) and {@code labels} (PNG). */
    public InferenceRequest refine(MultipartFile image, MultipartFile scores, MultipartFile labels, List<String> classes,
            Double alpha, String amg, Integer grid) {
        double a = alpha == null ? SamsSeeder.ALPHA_FINE : alpha;
        if (!(a > 0 && a <= 10)) {
            throw ApiProblem.badRequest("'alpha' must be in (0, 10]");
        }
        boolean hasScores = scores != null && !scores.isEmpty();
        boolean hasLabels = labels != null && !labels.isEmpty();
        if (hasScores == hasLabels) {
            throw ApiProblem.badRequest("send exactly one of the parts 'scores' (.npy/.npz) and 'labels' (PNG)");
        }
        AmgChoice amgChoice = amg(amg, grid);
        DecodedImage decoded = decode(image);
        List<String> names = classes(classes, "classes");
        FloatTensor tensor = hasScores
                ? scoreMaps.fromArray(scores, names.size())
                : scoreMaps.fromLabels(labels, decoded, names.size());
        return new InferenceRequest(Endpoint.REFINE, decoded, names, null, amgChoice, tensor, a, Set.of());
    }

    /** The multipart part 'image', decoded within the API's limits. */
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

    /** Class names: the parameter may repeat, each value may hold comma-separated names. */
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
            throw invalidClasses("'" + parameter + "' must name at least one class");
        }
        if (names.stream().anyMatch(String::isEmpty)) {
            throw invalidClasses("'" + parameter + "' contains an empty class name");
        }
        if (names.size() > limits.maxClasses()) {
            throw invalidClasses("at most " + limits.maxClasses() + " classes per request, got " + names.size());
        }
        Set<String> seen = new HashSet<>();
        for (String name : names) {
            if (name.length() > limits.maxClassNameLength() || name.chars().anyMatch(Character::isISOControl)) {
                throw invalidClasses("class names must be at most " + limits.maxClassNameLength()
                        + " characters without control characters");
            }
            if (!seen.add(name.toLowerCase(Locale.ROOT))) {
                throw invalidClasses("class '" + name + "' is listed twice");
            }
        }
        return names;
    }

    private static ApiProblem invalidClasses(String detail) {
        return ApiProblem.unprocessable(ProblemTypes.INVALID_CLASSES, "Invalid classes", detail);
    }

    /**
     * Resolves a prompt version.
     *
     * @param version requested version, or null/blank for the active one
     * @throws ApiProblem 422 {@code unknown-prompt-version}
     */
    public PromptSet promptSet(String version) {
        if (version == null || version.isBlank()) {
            return prompts.active();
        }
        return prompts.get(version.strip()).orElseThrow(() -> ApiProblem.unprocessable(ProblemTypes.UNKNOWN_PROMPT_VERSION,
                "Unknown prompt version", "no prompt version '" + version.strip() + "'; see GET /v1/admin/prompts"));
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

    /** A mask-generation profile and grid size as a request names them (the default when blank). */
    public AmgChoice amg(String profile, Integer grid) {
        String name = profile == null || profile.isBlank() ? null : profile.strip();
        if (name != null && !AmgProfiles.names().contains(name)) {
            throw new ApiProblem(HttpStatus.UNPROCESSABLE_CONTENT, ProblemTypes.UNKNOWN_AMG_PROFILE,
                    "Unknown mask-generation profile", "no mask-generation profile '" + name + "'; known: "
                            + String.join(", ", AmgProfiles.names()), Map.of("profiles", AmgProfiles.names()));
        }
        if (grid != null && (grid < AmgProfiles.MIN_GRID || grid > AmgProfiles.MAX_GRID)) {
            throw ApiProblem.badRequest("'grid' (points per side of SAM's prompt grid) must be between "
                    + AmgProfiles.MIN_GRID + " and " + AmgProfiles.MAX_GRID + ", got " + grid);
        }
        return amgProfiles.resolve(name, grid);
    }
}
