package com.fmawsss.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Multi-label contrastive loss of the classification prompts (spec §4, §8):
 * {@code L_MCL = mean over all positives c of −log( exp(Y_c) / (exp(Y_c) + Σ_{c'∈F−P} exp(Y_c')) )}
 * on the foreground logits (logit scale included). Images with no positive or no negative class
 * are skipped.
 */
public final class MclLoss {

    private MclLoss() {}

    /**
     * Computes the loss of a batch.
     *
     * @param logits {@code [B, F]} foreground logits (differentiable w.r.t. the prompts)
     * @param positives per image, the present foreground classes (indices into F)
     * @return the scalar loss, or null when no image of the batch has both positives and negatives
     */
    public static NDArray of(NDArray logits, List<List<Integer>> positives) {
        int classes = Math.toIntExact(logits.getShape().get(1));
        NDList terms = new NDList();
        for (int b = 0; b < positives.size(); b++) {
            List<Integer> present = positives.get(b);
            if (present.isEmpty() || present.size() == classes) {
                continue;
            }
            NDArray row = logits.get(b);
            long[] negatives = IntStream.range(0, classes)
                    .filter(c -> !present.contains(c)).mapToLong(c -> c).toArray();
            NDArray negative = row.get(row.getManager().create(negatives));
            for (int c : present) {
                NDArray positive = row.get(c).reshape(1);
                NDArray all = NDArrays.concat(new NDList(positive, negative));
                // log-sum-exp with a detached shift (the value is shift-invariant).
                NDArray shift = all.max().stopGradient();
                NDArray logSumExp = all.sub(shift).exp().sum().log().add(shift);
                terms.add(logSumExp.sub(positive.reshape()));
            }
        }
        if (terms.isEmpty()) {
            return null;
        }
        return NDArrays.stack(terms).mean();
    }
}
