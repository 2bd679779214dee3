package com.fmawsss.cam;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fmawsss.bundle.BundleModule;
import com.fmawsss.bundle.ModelBundle;
import com.fmawsss.clip.VisionFeatures;

/**
 * Softmax-GradCAM (spec §4, §8): the gradient of the softmax score of each present class, taken
 * over the present classes plus all background prompts, with respect to the token features
 * entering the last attention block; weights = mean over patch tokens; CAM = weighted sum of the
 * features. All present classes in one batched backward pass inside {@code clip/gradcam.pt}.
 */
public final class SoftmaxGradCam {

    private final ModelBundle bundle;

    public SoftmaxGradCam(ModelBundle bundle) {
        this.bundle = bundle;
    }

    /**
     * Computes the CAMs of the first {@code present} prompts.
     *
     * @param vision the image's trunk output
     * @param text {@code [K, E]} text features: present classes first, then background prompts
     * @param present P, the number of present foreground classes
     * @param createGraph keep the graph so the CAMs are differentiable w.r.t. {@code text}
     *     (prompt training, second-order gradients)
     * @return CAMs, logits, last-block attention and image embedding
     */
    public GradCamOutput compute(VisionFeatures vision, NDArray text, int present, boolean createGraph) {
        int prompts = Math.toIntExact(text.getShape().get(0));
        if (present < 1 || present > prompts) {
            throw new IllegalArgumentException("present classes must be between 1 and " + prompts);
        }
        NDManager manager = text.getManager();
        long[] targets = new long[present];
        for (int i = 0; i < present; i++) {
            targets[i] = i;
        }
        // The softmax set is every prompt passed in: present foreground + all background.
        NDArray mask = manager.ones(new Shape(prompts), text.getDataType());
        NDList out = bundle.forwardWithGrad(BundleModule.GRADCAM, new NDList(
                vision.residual(), text, manager.create(targets), mask, manager.create(createGraph ? 1L : 0L)));
        return new GradCamOutput(out.get(0), out.get(1), out.get(2), out.get(3));
    }
}
