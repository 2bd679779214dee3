package com.fmawsss.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fmawsss.clip.TextPrompt;
import com.fmawsss.prompts.PromptSet;
import com.fmawsss.tensors.FloatTensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The learnable part of a prompt set: its context tensors as NDArrays that collect gradients (CLIP
 * and SAM stay frozen; spec §4 "Training").
 */
public final class PromptParameters {

    private final PromptSet template;
    private final Map<String, NDArray> tensors = new LinkedHashMap<>();

    /**
     * Wraps a learned prompt set's contexts.
     *
     * @param manager where the parameters live
     * @param set a learned prompt set (its vocabulary and layout are kept)
     */
    public PromptParameters(NDManager manager, PromptSet set) {
        this.template = set;
        set.contexts().forEach((name, tensor) -> {
            NDArray array = manager.create(tensor.data(), new Shape(toLongs(tensor.shape())));
            array.setRequiresGradient(true);
            tensors.put(name, array);
        });
    }

    /**
     * Resolves a prompt's context reference to a {@code [N, Dt]} slice that carries gradients.
     *
     * @param ref the reference
     */
    public NDArray context(TextPrompt.ContextRef ref) {
        NDArray all = tensors.get(ref.tensor());
        return ref.index() < 0 ? all : all.get(ref.index());
    }

    public Map<String, NDArray> tensors() {
        return tensors;
    }

    /**
     * Snapshots the current values as a prompt set with a new id.
     *
     * @param id the version id
     * @param info metadata
     */
    public PromptSet toPromptSet(String id, Map<String, String> info) {
        Map<String, FloatTensor> contexts = new LinkedHashMap<>();
        tensors.forEach((name, array) -> contexts.put(name,
                new FloatTensor(toInts(array.getShape().getShape()), array.toFloatArray())));
        return new PromptSet(id, template.kind(), template.layout(), template.vocabulary(), template.contextTokens(),
                contexts, info);
    }

    private static long[] toLongs(int[] shape) {
        long[] out = new long[shape.length];
        for (int i = 0; i < shape.length; i++) {
            out[i] = shape[i];
        }
        return out;
    }

    private static int[] toInts(long[] shape) {
        int[] out = new int[shape.length];
        for (int i = 0; i < shape.length; i++) {
            out[i] = Math.toIntExact(shape[i]);
        }
        return out;
    }
}
