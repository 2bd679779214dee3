package com.fmawsss.prompts;

import com.fmawsss.tensors.FloatTensor;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * A vocabulary plus the prompts that describe it to CLIP: manual CLIP-ES templates or learned
 * context vectors (spec §4 "Prompts", §8).
 *
 * <p>Learned context tensors, by layout:
 *
 * <ul>
 *   <li>shared context ({@link PromptKind#CLASSIFICATION}, or {@link PromptKind#SEGMENTATION} with
 *       {@link PromptLayout#COCO}): {@value #SHARED} {@code [N, Dt]}, label last;
 *   <li>class-specific ({@link PromptKind#SEGMENTATION} with {@link PromptLayout#VOC}): {@value
 *       #FOREGROUND} {@code [F, N, Dt]} with the label first and {@value #BACKGROUND} {@code [B, N,
 *       Dt]} for pure-context background prompts.
 * </ul>
 *
 * @param id identifier, e.g. {@code manual-voc} or a prompt-store version
 * @param kind manual, classification or segmentation
 * @param layout prompt layout of learned prompts
 * @param vocabulary the classes and background names
 * @param contextTokens number N of learned context vectors per prompt (0 for manual prompts)
 * @param contexts learned context tensors by name (empty for manual prompts)
 * @param info free-form metadata (dataset, hyper-parameters, metrics, parent version, ...)
 */
public record PromptSet(
        String id,
        PromptKind kind,
        PromptLayout layout,
        Vocabulary vocabulary,
        int contextTokens,
        Map<String, FloatTensor> contexts,
        Map<String, String> info) {

    public static final String MANUAL_TEMPLATE = "a clean origami {}.";

    /** Name of the shared context tensor. */
    public static final String SHARED = "ctx";

    /** Name of the class-specific foreground context tensor. */
    public static final String FOREGROUND = "fg_ctx";

    /** Name of the pure-context background tensor. */
    public static final String BACKGROUND = "bg_ctx";

    /** Copies the maps and checks the tensors against the layout. */
    public PromptSet {
        contexts = new TreeMap<>(contexts);
        info = new TreeMap<>(info);
        if (kind == PromptKind.MANUAL) {
            if (!contexts.isEmpty() || contextTokens != 0) {
                throw new IllegalArgumentException("manual prompt sets have no learned context");
            }
        } else if (sharedContextFor(kind, layout)) {
            requireShape(contexts, SHARED, contextTokens);
        } else {
            requireShape(contexts, FOREGROUND, vocabulary.classes().size(), contextTokens);
            requireShape(contexts, BACKGROUND, vocabulary.background().size(), contextTokens);
        }
    }

    /**
     * Manual CLIP-ES prompts over a vocabulary.
     *
     * @param vocabulary the vocabulary (free-text class names are accepted on top of it)
     * @return the prompt set, id {@code manual-<vocabulary>}
     */
    public static PromptSet manual(Vocabulary vocabulary) {
        // The layout only selects the stream constants here (COCO: box threshold 0.6).
        PromptLayout layout = "coco".equals(vocabulary.name()) ? PromptLayout.COCO : PromptLayout.VOC;
        return new PromptSet("manual-" + vocabulary.name(), PromptKind.MANUAL, layout, vocabulary, 0, Map.of(), Map.of());
    }

    /**
     * Returns a copy with one more (or a replaced) info entry.
     *
     * @param key the info key, e.g. {@link PromptInfo#CREATED_AT}
     */
    public PromptSet withInfo(String key, String value) {
        Map<String, String> merged = new TreeMap<>(info);
        merged.put(key, value);
        return new PromptSet(id, kind, layout, vocabulary, contextTokens, contexts, merged);
    }

    /**
     * Tells whether a foreground prompt carries its label before the context.
     *
     * @return true for VOC-layout segmentation prompts
     */
    public boolean labelFirst() {
        return kind == PromptKind.SEGMENTATION && layout == PromptLayout.VOC;
    }

    /**
     * Tells whether all prompts share one context tensor.
     *
     * @return true for classification prompts and COCO-layout segmentation prompts
     */
    public boolean sharedContext() {
        return sharedContextFor(kind, layout);
    }

    /**
     * Tells whether background prompts contain their names (false: pure context).
     *
     * @return false only for VOC-layout segmentation prompts
     */
    public boolean backgroundNamed() {
        return !labelFirst();
    }

    /**
     * @param index background index
     * @return its name, or empty for pure-context prompts
     */
    public String backgroundText(int index) {
        return backgroundNamed() ? vocabulary.background().get(index).prompt() : "";
    }

    /**
     * Returns the width of the text token embeddings the contexts were made for.
     *
     * @return {@code Dt}, or 0 for manual prompts
     */
    public int embeddingWidth() {
        return contexts.values().stream().findFirst().map(t -> t.dim(t.rank() - 1)).orElse(0);
    }

    /**
     * Returns the context of a foreground class.
     *
     * @param classIndex index into the vocabulary's classes
     * @return {@code [N, Dt]} context vectors
     */
    public FloatTensor foregroundContext(int classIndex) {
        return context(FOREGROUND, classIndex);
    }

    /**
     * @param backgroundIndex index into the vocabulary's background list
     * @return {@code [N, Dt]} context vectors
     */
    public FloatTensor backgroundContext(int backgroundIndex) {
        return context(BACKGROUND, backgroundIndex);
    }

    private FloatTensor context(String perClassName, int index) {
        if (kind == PromptKind.MANUAL) {
            throw new IllegalStateException("manual prompt sets have no context");
        }
        return sharedContext() ? contexts.get(SHARED) : contextSlice(perClassName, index);
    }

    /**
     * Returns a context tensor or one slice of it.
     *
     * @param tensor {@value #SHARED}, {@value #FOREGROUND} or {@value #BACKGROUND}
     * @param index slice along the first axis, or -1 for the whole tensor
     */
    public FloatTensor contextSlice(String tensor, int index) {
        FloatTensor all = contexts.get(tensor);
        if (all == null) {
            throw new IllegalArgumentException("prompt set " + id + " has no context tensor '" + tensor + "'");
        }
        return index < 0 ? all : FloatTensor.of(all.slice(index), all.dim(1), all.dim(2));
    }

    private static boolean sharedContextFor(PromptKind kind, PromptLayout layout) {
        return kind == PromptKind.CLASSIFICATION || (kind == PromptKind.SEGMENTATION && layout == PromptLayout.COCO);
    }

    private static void requireShape(Map<String, FloatTensor> contexts, String name, int... leading) {
        FloatTensor tensor = contexts.get(name);
        if (tensor == null) {
            throw new IllegalArgumentException("prompt set needs a '" + name + "' context tensor");
        }
        int[] shape = tensor.shape();
        if (shape.length != leading.length + 1 || !Arrays.equals(Arrays.copyOf(shape, leading.length), leading)) {
            throw new IllegalArgumentException(
                    "context tensor '" + name + "' has shape " + Arrays.toString(shape) + ", expected "
                            + Arrays.toString(leading) + " + [width]");
        }
    }
}
