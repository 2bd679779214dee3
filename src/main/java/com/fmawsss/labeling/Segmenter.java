package com.fmawsss.labeling;

import com.fmawsss.image.DecodedImage;
import com.fmawsss.image.ImageLimits;
import com.fmawsss.prompts.PromptSet;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * What the annotation-tool integrations need from the inference service: a semantic label map of
 * an image over class names, with the same semantics as {@code /v1/masks?refine=sams} (learned
 * prompts when the prompt set knows every class, manual CLIP-ES prompts otherwise). Implemented
 * by the API layer, which owns the inference service.
 */
public interface Segmenter {

    /** Which scheduler queue the work waits in. */
    enum Urgency {
        /** A person (or a tool with a short timeout) waits for the answer; refused at once when it cannot fit. */
        INTERACTIVE,
        /**
         * A tool waits up to the timeout and would rather wait than be refused: the work waits for
         * capacity and may use a cheaper mask-generation profile to finish in time.
         */
        WITHIN_TIMEOUT,
        /** A job: runs when no interactive work waits. */
        BACKGROUND
    }

    /**
     * Segments an image.
     *
     * @param image the decoded image
     * @param classes class names, validated by the caller (distinct, at most {@link #maxClasses()})
     * @param promptVersion prompt version, or null for the active one
     * @param urgency the queue to wait in
     * @param timeout deadline of the work, queueing included
     * @return the label map, when the scheduler has run it
     */
    CompletableFuture<Segmentation> segment(DecodedImage image, List<String> classes, String promptVersion, Urgency urgency,
            Duration timeout);

    /** The prompt set a request without a version uses. */
    PromptSet activePromptSet();

    /**
     * A prompt set by version.
     *
     * @param version the version id
     * @return the set, or null when unknown
     */
    PromptSet promptSet(String version);

    /**
     * The model version reported to the tools: changes whenever the bundle or the prompt version
     * changes, so tools know which predictions are stale.
     *
     * @param promptVersion the prompt version, or null for the active one
     * @return e.g. {@code fma-wsss-3f2a9c01b7de-manual-voc}
     */
    String modelVersion(String promptVersion);

    /**
     * Most classes per request ({@code fma.api.max-classes}).
     *
     * @return the limit
     */
    int maxClasses();

    /**
     * Longest class name ({@code fma.api.max-class-name-length}).
     *
     * @return the limit
     */
    int maxClassNameLength();

    /** Limits for images the integrations fetch or receive ({@code fma.api.max-pixels}, ...). */
    ImageLimits imageLimits();
}
