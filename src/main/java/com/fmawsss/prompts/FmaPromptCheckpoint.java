package com.fmawsss.prompts;

import com.fmawsss.tensors.FloatTensor;
import com.fmawsss.tensors.TorchCheckpoint;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Turns the prompt learner that the official FMA-WSSS training saves ({@code torch.save} of a
 * state dict holding only {@value #CONTEXT_KEY}) into a {@link PromptSet} (docs/checkpoints.md).
 *
 * <ul>
 *   <li>{@code [M, D]}: one shared context, label last: classification prompts, or COCO-layout
 *       segmentation prompts; which one the file cannot tell, the request must.
 *   <li>{@code [G, M, D]}: class-specific contexts, label first: VOC-layout segmentation prompts;
 *       {@code G} = the vocabulary's classes, then its background prompts (pure context).
 * </ul>
 *
 * The rows follow the training's class list ({@code fg_names + bg_names}); the file stores no
 * names. Without a given list the official order, which is the built-in vocabularies' order, is
 * assumed; either way the list is checked against the vocabulary and every difference reported.
 * {@code models/fma_export/fma_prompts.py} applies the same rules in Python.
 */
public final class FmaPromptCheckpoint {

    /** State-dict key of the context (a {@code module.} or other prefix is accepted). */
    public static final String CONTEXT_KEY = "prompt_learner.ctx";

    private FmaPromptCheckpoint() {}

    /**
     * What the import needs besides the file.
     *
     * @param version version id of the new prompt set
     * @param vocabulary the vocabulary the prompts were trained for
     * @param kind classification or segmentation; needed for a shared context
     * @param layout the layout; defaults to the one the context's shape implies
     * @param classes the training's class list (foreground then background), if not the official one
     * @param info metadata to store with the set
     */
    public record Request(String version, Vocabulary vocabulary, Optional<PromptKind> kind, Optional<PromptLayout> layout,
            Optional<List<String>> classes, Map<String, String> info) {}

    /** The checkpoint does not fit the request; {@link #differences()} lists why, one line each. */
    public static final class MismatchException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient List<String> differences;

        MismatchException(String message, List<String> differences) {
            super(message);
            this.differences = List.copyOf(differences);
        }

        public List<String> differences() {
            return differences;
        }
    }

    /**
     * Finds the context tensor.
     *
     * @param checkpoint the open checkpoint
     * @throws IllegalArgumentException when there is not exactly one
     */
    public static String contextName(TorchCheckpoint checkpoint) {
        List<String> found = checkpoint.names().stream()
                .filter(n -> n.equals(CONTEXT_KEY) || n.endsWith("." + CONTEXT_KEY)).toList();
        if (found.size() != 1) {
            throw new IllegalArgumentException("expected one '" + CONTEXT_KEY + "' tensor, found " + found.size());
        }
        int rank = checkpoint.shape(found.get(0)).length;
        if (rank != 2 && rank != 3) {
            throw new IllegalArgumentException("'" + found.get(0) + "' has shape " + Arrays.toString(checkpoint.shape(found.get(0)))
                    + "; expected [M, D] or [G, M, D]");
        }
        return found.get(0);
    }

    /**
     * Lays the context out as a prompt set.
     *
     * @param context the {@value #CONTEXT_KEY} tensor
     * @param request the import request
     * @return the prompt set (not stored)
     * @throws MismatchException when kind, layout or classes do not fit the context
     * @throws IllegalArgumentException when the context holds non-finite values
     */
    public static PromptSet toPromptSet(FloatTensor context, Request request) {
        for (float value : context.data()) {
            if (!Float.isFinite(value)) {
                throw new IllegalArgumentException("the context holds NaN or infinite values");
            }
        }
        Vocabulary vocabulary = request.vocabulary();
        boolean shared = context.rank() == 2;
        PromptKind kind;
        PromptLayout implied;
        if (shared) {
            kind = request.kind().orElseThrow(() -> mismatch("a shared context [M, D] is classification prompts or COCO-layout "
                    + "segmentation prompts: give the kind"));
            implied = kind == PromptKind.SEGMENTATION || "coco".equals(vocabulary.name()) ? PromptLayout.COCO : PromptLayout.VOC;
        } else {
            kind = request.kind().orElse(PromptKind.SEGMENTATION);
            if (kind != PromptKind.SEGMENTATION) {
                throw mismatch("class-specific contexts " + Arrays.toString(context.shape()) + " are segmentation prompts, not "
                        + kind.name().toLowerCase(Locale.ROOT));
            }
            implied = PromptLayout.VOC;
        }
        PromptLayout layout = request.layout().orElse(implied);
        if (kind == PromptKind.SEGMENTATION && layout != implied) {
            throw mismatch((shared ? "a shared" : "a class-specific") + " segmentation context is the " + implied + " layout, not " + layout);
        }
        boolean labelFirst = kind == PromptKind.SEGMENTATION && layout == PromptLayout.VOC;
        int foreground = vocabulary.classes().size();
        int background = vocabulary.background().size();
        List<String> differences = new ArrayList<>();
        if (!shared && context.dim(0) != foreground + background) {
            differences.add("count: the checkpoint has " + context.dim(0) + " class-specific contexts, vocabulary " + vocabulary.name()
                    + " needs " + foreground + " classes + " + background + " background prompts = " + (foreground + background));
        }
        differences.addAll(classDifferences(request.classes().orElseGet(() -> officialOrder(vocabulary, labelFirst)), vocabulary, labelFirst));
        if (!differences.isEmpty()) {
            throw new MismatchException("the checkpoint's classes do not match vocabulary " + vocabulary.name(), differences);
        }
        Map<String, FloatTensor> contexts = shared ? Map.of(PromptSet.SHARED, context) : Map.of(
                PromptSet.FOREGROUND, rows(context, 0, foreground),
                PromptSet.BACKGROUND, rows(context, foreground, foreground + background));
        return new PromptSet(request.version(), kind, layout, vocabulary, context.dim(context.rank() - 2), contexts, request.info());
    }

    /**
     * Differences between a training's class list and a vocabulary: foreground entries match a class
     * by name or prompt text (FMA-WSSS lists hold the prompt texts, e.g. {@code bird avian});
     * background entries must be empty in the label-first layout (pure context) and equal the
     * vocabulary's background names otherwise.
     *
     * @param classes the training's list, foreground then background
     * @param pureContextBackground whether background prompts are pure context
     * @return one line per difference; empty when they agree
     */
    static List<String> classDifferences(List<String> classes, Vocabulary vocabulary, boolean pureContextBackground) {
        int foreground = vocabulary.classes().size();
        int expected = foreground + vocabulary.background().size();
        List<String> out = new ArrayList<>();
        if (classes.size() != expected) {
            out.add("count: the checkpoint's list has " + classes.size() + " entries, vocabulary " + vocabulary.name() + " has "
                    + foreground + " classes + " + vocabulary.background().size() + " background prompts = " + expected);
        }
        for (int i = 0; i < Math.min(classes.size(), expected); i++) {
            String given = classes.get(i);
            if (i < foreground) {
                VocabularyEntry entry = vocabulary.classes().get(i);
                if (!Vocabulary.key(given).equals(Vocabulary.key(entry.name())) && !Vocabulary.key(given).equals(Vocabulary.key(entry.prompt()))) {
                    out.add("class " + i + ": checkpoint '" + given + "', vocabulary '" + entry.name() + "' ('" + entry.prompt() + "')");
                }
            } else {
                String wanted = pureContextBackground ? "" : vocabulary.background().get(i - foreground).name();
                if (!Vocabulary.key(given).equals(Vocabulary.key(wanted))) {
                    out.add("background " + (i - foreground) + ": checkpoint '" + given + "', vocabulary '" + wanted + "'");
                }
            }
        }
        return out;
    }

    /** The official configs' {@code fg_names + bg_names}: prompt texts, background empty in the VOC segmentation layout. */
    private static List<String> officialOrder(Vocabulary vocabulary, boolean pureContextBackground) {
        List<String> names = new ArrayList<>(vocabulary.classes().stream().map(VocabularyEntry::prompt).toList());
        vocabulary.background().forEach(b -> names.add(pureContextBackground ? "" : b.name()));
        return names;
    }

    private static FloatTensor rows(FloatTensor context, int from, int to) {
        int[] shape = context.shape();
        int rowSize = shape[1] * shape[2];
        shape[0] = to - from;
        return new FloatTensor(shape, Arrays.copyOfRange(context.data(), from * rowSize, to * rowSize));
    }

    private static MismatchException mismatch(String message) {
        return new MismatchException(message, List.of(message));
    }
}
