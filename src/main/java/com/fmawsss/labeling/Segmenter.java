package com.fmawsss.labeling;

import com.fmawsss.image.DecodedImage;
import com.fmawsss.image.ImageLimits;
import com.fmawsss.prompts.PromptSet;
import com.fmawsss.sam.SamPrompt;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * What the annotation-tool integrations need from the inference service: a semantic label map of
 * an image over class names, with the same semantics as {@code /v1/masks?refine=sams} (learned
 * prompts when the prompt set knows every class, manual CLIP-ES prompts otherwise), and SAM's mask
 * for an annotator's clicks, as {@code /v1/segments} answers them. Implemented by the API layer,
 * which owns the inference service.
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

    /**
     * SAM's mask for clicks and a box on an image, decoded as {@code /v1/segments} does without a
     * level or a class proposal. A person waits: the work waits at the clicks' priority, ahead of
     * everything else, and is refused at once (the service's problem) when it cannot fit the
     * synchronous limit. The image's SAM embedding is kept, so later clicks on it skip the encoder.
     *
     * @param prompt in pixels of the upright image, checked against it by the caller
     * @throws RuntimeException the service's problem when the bundle has no prompt decoder ({@link
     *     #answersClicks()}) or the click cannot be answered in time
     */
    CompletableFuture<ClickMask> click(DecodedImage image, SamPrompt prompt);

    /** Whether the bundle can answer clicks (it has SAM's prompt decoder). */
    boolean answersClicks();

    /** Most clicks per prompt ({@code fma.api.max-prompt-points}). */
    int maxPromptPoints();

    /**
     * An image some earlier work was about, by the SHA-256 of its encoded bytes: a tool that sends
     * the same image with every click need not have it decoded again.
     */
    Optional<DecodedImage> seenImage(String sha256);

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
