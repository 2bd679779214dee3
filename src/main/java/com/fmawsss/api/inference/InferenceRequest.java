package com.fmawsss.api.inference;

import com.fmawsss.clip.PromptSelection;
import com.fmawsss.image.DecodedImage;
import com.fmawsss.pipeline.AmgChoice;
import com.fmawsss.pipeline.PipelineResult;
import com.fmawsss.pipeline.PipelineWork;
import com.fmawsss.tensors.FloatTensor;
import java.util.List;
import java.util.Set;

/**
 * One validated inference request, whichever endpoint it came from and whether it is answered at
 * once or asynchronously.
 *
 * @param classes the requested class names in order (labels 1..n of the answer)
 * @param selection prompts and present classes; {@code null} for {@link Endpoint#REFINE}
 * @param amg mask-generation settings; {@code null} when SAM does not run ({@code refine=none})
 * @param scores uploaded {@code [C, h, w]} score maps ({@link Endpoint#REFINE} only)
 * @param alpha background exponent of uploaded score maps; {@code NaN} for the other endpoints
 *     (they take it from the prompt set's stream)
 * @param include debug outputs: {@code cams}, {@code superpixels}
 */
public record InferenceRequest(
        Endpoint endpoint,
        DecodedImage image,
        List<String> classes,
        PromptSelection selection,
        AmgChoice amg,
        FloatTensor scores,
        double alpha,
        Set<String> include) {

    public enum Endpoint {
        MASKS("/v1/masks"),
        SEEDS("/v1/seeds"),
        REFINE("/v1/refine");

        private final String path;

        Endpoint(String path) {
            this.path = path;
        }

        public String path() {
            return path;
        }
    }

    public InferenceRequest {
        classes = List.copyOf(classes);
        include = Set.copyOf(include);
    }

    /** Whether SAM quasi-superpixels and SAMS run (not for {@code /v1/masks} with {@code refine=none}). */
    public boolean sams() {
        return amg != null;
    }

    /** The pipeline work that answers this request. */
    public PipelineWork<PipelineResult> work() {
        return switch (endpoint) {
            case MASKS -> sams() ? new PipelineWork.Seeds(image, selection, amg.settings())
                    : new PipelineWork.CamLabels(image, selection);
            case SEEDS -> new PipelineWork.Seeds(image, selection, amg.settings());
            case REFINE -> new PipelineWork.RefinedScores(image, scores, alpha, amg.settings());
        };
    }

    /** The same request with other mask-generation settings. */
    public InferenceRequest withAmg(AmgChoice other) {
        return new InferenceRequest(endpoint, image, classes, selection, other, scores, alpha, include);
    }
}
