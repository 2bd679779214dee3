package com.fmawsss.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fmawsss.bundle.BundleModule;
import com.fmawsss.bundle.ModelBundle;
import java.util.List;
import java.util.function.Function;

/**
 * CLIP text encoder over {@link TextPrompt}s: token embeddings from the bundle's table, learned
 * context vectors spliced in, then the transformer (spec §3 (c), (d)).
 */
public final class TextEncoder {

    private final ModelBundle bundle;

    public TextEncoder(ModelBundle bundle) {
        this.bundle = bundle;
    }

    /**
     * Encodes prompts.
     *
     * @param manager where the result lives
     * @param contexts resolves a prompt's context reference to a {@code [N, Dt]} array (may require
     *     a gradient during training); unused for manual prompts
     * @param withGrad run the transformer with autograd (prompt training)
     * @return {@code [K, E]} text features, not normalised
     */
    public NDArray encode(
            NDManager manager,
            List<TextPrompt> prompts,
            Function<TextPrompt.ContextRef, NDArray> contexts,
            boolean withGrad) {
        int count = prompts.size();
        int length = prompts.get(0).tokens().ids().length;
        long[] ids = new long[count * length];
        long[] eot = new long[count];
        for (int k = 0; k < count; k++) {
            System.arraycopy(prompts.get(k).tokens().ids(), 0, ids, k * length, length);
            eot[k] = prompts.get(k).tokens().eotPosition();
        }
        NDArray tokenIds = manager.create(ids, new Shape(count, length));
        NDArray embeds = bundle.forward(BundleModule.TOKEN_EMBEDDING, new NDList(tokenIds)).head();
        if (prompts.stream().anyMatch(TextPrompt::learned)) {
            embeds = splice(embeds.duplicate(), prompts, contexts);
        }
        NDList inputs = new NDList(embeds, manager.create(eot));
        NDList out = withGrad
                ? bundle.forwardWithGrad(BundleModule.TEXT_ENCODER, inputs)
                : bundle.forward(BundleModule.TEXT_ENCODER, inputs);
        return out.head();
    }

    private static NDArray splice(
            NDArray embeds, List<TextPrompt> prompts, Function<TextPrompt.ContextRef, NDArray> contexts) {
        NDList rows = new NDList(prompts.size());
        for (int k = 0; k < prompts.size(); k++) {
            NDArray row = embeds.get(k);
            TextPrompt prompt = prompts.get(k);
            if (!prompt.learned()) {
                rows.add(row);
                continue;
            }
            NDArray context = contexts.apply(prompt.context()).toType(row.getDataType(), false);
            int n = prompt.contextTokens();
            int afterPlaceholders = 1 + n;
            if (prompt.labelFirst()) {
                int afterLabel = afterPlaceholders + prompt.labelTokens();
                rows.add(NDArrays.concat(new NDList(
                        row.get("0:1"),
                        row.get(afterPlaceholders + ":" + afterLabel),
                        context,
                        row.get(afterLabel + ":"))));
            } else {
                rows.add(NDArrays.concat(new NDList(row.get("0:1"), context, row.get(afterPlaceholders + ":"))));
            }
        }
        return NDArrays.stack(rows);
    }
}
