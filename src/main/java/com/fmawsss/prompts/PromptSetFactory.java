package com.fmawsss.prompts;

import com.fmawsss.tensors.FloatTensor;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;

/**
 * Creates freshly initialised learned prompt sets (spec §8): classification context N(0, 0.015),
 * segmentation context N(0, 0.0125), N = 16 by default.
 */
public final class PromptSetFactory {

    /** Default number of context vectors per prompt. */
    public static final int DEFAULT_CONTEXT_TOKENS = 16;

    /** Standard deviation of the initial classification context. */
    public static final double CLASSIFICATION_INIT_STD = 0.015;

    /** Standard deviation of the initial segmentation context. */
    public static final double SEGMENTATION_INIT_STD = 0.0125;

    private PromptSetFactory() {}

    /**
     * A new classification prompt set: one shared context, label last.
     *
     * @param id identifier
     * @param vocabulary classes and background names
     * @param contextTokens N
     * @param width text embedding width {@code Dt}
     * @param seed random seed
     */
    public static PromptSet classification(String id, Vocabulary vocabulary, int contextTokens, int width, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        return new PromptSet(id, PromptKind.CLASSIFICATION, PromptLayout.VOC, vocabulary, contextTokens,
                Map.of(PromptSet.SHARED, gaussian(random, CLASSIFICATION_INIT_STD, contextTokens, width)), Map.of());
    }

    /**
     * A new segmentation prompt set in the given layout.
     *
     * @param id identifier
     * @param vocabulary classes and background names
     * @param layout VOC (class-specific, label first, pure-context background) or COCO (shared)
     * @param contextTokens N
     * @param width text embedding width {@code Dt}
     * @param seed random seed
     */
    public static PromptSet segmentation(
            String id, Vocabulary vocabulary, PromptLayout layout, int contextTokens, int width, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, FloatTensor> contexts = layout == PromptLayout.COCO
                ? Map.of(PromptSet.SHARED, gaussian(random, SEGMENTATION_INIT_STD, contextTokens, width))
                : Map.of(
                        PromptSet.FOREGROUND,
                        gaussian(random, SEGMENTATION_INIT_STD, vocabulary.classes().size(), contextTokens, width),
                        PromptSet.BACKGROUND,
                        gaussian(random, SEGMENTATION_INIT_STD, vocabulary.background().size(), contextTokens, width));
        return new PromptSet(id, PromptKind.SEGMENTATION, layout, vocabulary, contextTokens, contexts, Map.of());
    }

    private static FloatTensor gaussian(SplittableRandom random, double std, int... shape) {
        float[] data = new float[Math.toIntExact(FloatTensor.elementCount(shape))];
        Random gaussian = new Random(random.nextLong());
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) (gaussian.nextGaussian() * std);
        }
        return new FloatTensor(shape, data);
    }
}
