package com.fmawsss.training;

import ai.djl.ndarray.NDArray;
import com.fmawsss.bundle.GradMode;
import java.util.HashMap;
import java.util.Map;

/**
 * PyTorch's SGD with momentum and weight decay (spec §8: lr 1e-3, momentum 0.9, weight decay
 * 5e-4): {@code d = g + wd·p; buf = momentum·buf + d (buf = d at the first step); p -= lr·buf}.
 */
public final class SgdMomentum {

    private final double momentum;
    private final double weightDecay;
    private final Map<String, NDArray> buffers = new HashMap<>();

    /**
     * Creates the optimiser.
     *
     * @param momentum momentum (0.9)
     * @param weightDecay L2 weight decay (5e-4)
     */
    public SgdMomentum(double momentum, double weightDecay) {
        this.momentum = momentum;
        this.weightDecay = weightDecay;
    }

    /**
     * Applies one step to every parameter (in place) and clears their gradients.
     *
     * @param parameters the parameters by name (each must have a gradient)
     * @param learningRate this step's learning rate
     */
    public void step(Map<String, NDArray> parameters, double learningRate) {
        // In-place updates of leaves that require gradients are only legal with autograd off, and
        // threads other than the engine's first start with it on.
        try (GradMode ignored = GradMode.disabled()) {
            update(parameters, learningRate);
        }
    }

    private void update(Map<String, NDArray> parameters, double learningRate) {
        parameters.forEach((name, p) -> {
            NDArray grad = p.getGradient();
            NDArray d = grad.add(p.mul(weightDecay));
            NDArray buffer = buffers.get(name);
            buffer = buffer == null ? d.duplicate() : buffer.mul(momentum).add(d);
            buffers.put(name, buffer);
            p.subi(buffer.mul(learningRate));
            grad.subi(grad); // zero for the next backward pass
        });
    }

    /**
     * Returns the momentum buffers (checkpointed with the parameters so a resumed run is exact).
     *
     * @return buffers by parameter name
     */
    public Map<String, NDArray> buffers() {
        return buffers;
    }
}
