package com.fmawsss.clip;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fmawsss.bundle.BundleModule;
import com.fmawsss.bundle.ModelBundle;

/** Runs the CLIP vision trunk on a preprocessed image (spec §3 (a)). */
public final class ClipVision {

    private final ModelBundle bundle;

    public ClipVision(ModelBundle bundle) {
        this.bundle = bundle;
    }

    /**
     * Encodes an image.
     *
     * @param manager where the results live
     * @param input the preprocessed image
     * @param attentionLayers how many of the last trunk blocks to average attention over
     * @return residual stream and attention
     */
    public VisionFeatures encode(NDManager manager, ClipInput input, int attentionLayers) {
        int trunkBlocks = bundle.manifest().clip().visionLayers() - 1;
        if (attentionLayers < 0 || attentionLayers > trunkBlocks) {
            throw new IllegalArgumentException(
                    "attention layers must be between 0 and " + trunkBlocks + ", got " + attentionLayers);
        }
        var pixels = manager.create(input.pixels(), new Shape(1, 3, input.height(), input.width()))
                .toType(bundle.dataType(), false);
        NDList out = bundle.forward(BundleModule.VISION_TRUNK, new NDList(pixels, manager.create((long) attentionLayers)));
        return new VisionFeatures(out.get(0), out.get(1).get(0), attentionLayers, input.gridHeight(), input.gridWidth());
    }
}
