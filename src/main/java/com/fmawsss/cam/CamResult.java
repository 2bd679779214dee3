package com.fmawsss.cam;

import com.fmawsss.tensors.FloatTensor;
import com.fmawsss.tensors.NpyArray;
import com.fmawsss.tensors.Npz;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * CAMs of one image for its present classes, on the patch grid.
 *
 * @param classes present class names, in order
 * @param raw {@code [P, h, w]} Softmax-GradCAM before ReLU
 * @param refined {@code [P, h, w]} after CAA (equal to {@code raw} when CAA is disabled)
 * @param logits {@code [P + B]} logits of present classes then background prompts
 * @param settings the CAA settings used
 * @param inputHeight CLIP input rows after stretching
 * @param inputWidth CLIP input columns after stretching
 */
public record CamResult(
        List<String> classes,
        FloatTensor raw,
        FloatTensor refined,
        float[] logits,
        CamSettings settings,
        int inputHeight,
        int inputWidth) {

    /** Copies the class list. */
    public CamResult {
        classes = List.copyOf(classes);
        logits = logits.clone();
    }

    public int gridHeight() {
        return raw.dim(1);
    }

    public int gridWidth() {
        return raw.dim(2);
    }

    @Override
    public float[] logits() {
        return logits.clone();
    }

    /**
     * The {@code include=cams} debug output of spec §5: an {@code .npz} with float32 {@code raw}
     * and {@code refined}, {@code [P, h, w]}, classes in response order.
     *
     * @return the archive bytes
     */
    public byte[] toNpz() {
        Map<String, NpyArray> arrays = new LinkedHashMap<>();
        arrays.put("raw", NpyArray.of(raw));
        arrays.put("refined", NpyArray.of(refined));
        return Npz.write(arrays);
    }
}
