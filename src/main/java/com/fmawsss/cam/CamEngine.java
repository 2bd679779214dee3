package com.fmawsss.cam;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fmawsss.bundle.BundleModule;
import com.fmawsss.bundle.ModelBundle;
import com.fmawsss.clip.ClipInput;
import com.fmawsss.clip.ClipPreprocessor;
import com.fmawsss.clip.ClipTokenizer;
import com.fmawsss.clip.ClipVision;
import com.fmawsss.clip.PromptBuilder;
import com.fmawsss.clip.PromptSelection;
import com.fmawsss.clip.TextEncoder;
import com.fmawsss.clip.TextPrompt;
import com.fmawsss.clip.VisionFeatures;
import com.fmawsss.image.RgbImage;
import com.fmawsss.ops.metrics.Stage;
import com.fmawsss.ops.metrics.StageTimings;
import com.fmawsss.prompts.PromptSet;
import com.fmawsss.tensors.FloatTensor;
import java.util.List;

/**
 * The CLIP side of the pipeline for one image: preprocessing, vision trunk, prompts and text
 * features, Softmax-GradCAM and CAA (spec §4). Thread-safe; each call uses its own native memory
 * scope.
 */
public final class CamEngine {

    private final ModelBundle bundle;
    private final ClipPreprocessor preprocessor;
    private final ClipVision vision;
    private final TextEncoder textEncoder;
    private final PromptBuilder promptBuilder;
    private final SoftmaxGradCam gradCam;
    private final StageTimings timings;

    /**
     * Creates the engine over a loaded bundle, without stage timings.
     *
     * @param bundle the bundle
     */
    public CamEngine(ModelBundle bundle) {
        this(bundle, StageTimings.NONE);
    }

    /**
     * Creates the engine over a loaded bundle.
     *
     * @param bundle the bundle
     * @param timings receives the clip_encode, gradcam and caa durations
     */
    public CamEngine(ModelBundle bundle, StageTimings timings) {
        this.bundle = bundle;
        this.timings = timings;
        var clip = bundle.manifest().clip();
        this.preprocessor = ClipPreprocessor.of(clip);
        this.vision = new ClipVision(bundle);
        this.textEncoder = new TextEncoder(bundle);
        this.promptBuilder = new PromptBuilder(
                new ClipTokenizer(bundle.tokenizer(), clip.sotTokenId(), clip.eotTokenId(), clip.contextLength()));
        this.gradCam = new SoftmaxGradCam(bundle);
    }

    /**
     * Returns the preprocessing of this bundle.
     *
     * @return the preprocessor
     */
    public ClipPreprocessor preprocessor() {
        return preprocessor;
    }

    /**
     * Returns the prompt builder of this bundle.
     *
     * @return the builder
     */
    public PromptBuilder promptBuilder() {
        return promptBuilder;
    }

    /**
     * Computes raw and CAA-refined CAMs with the prompt set's default stream settings.
     *
     * @param image the image
     * @param selection present classes
     * @return the CAMs
     */
    public CamResult compute(RgbImage image, PromptSelection selection) {
        return compute(preprocessor.apply(image), selection, CamSettings.forPromptSet(selection.promptSet()));
    }

    /**
     * Computes raw and CAA-refined CAMs.
     *
     * @param input the preprocessed image
     * @param selection present classes
     * @param settings CAA settings
     * @return the CAMs
     */
    public CamResult compute(ClipInput input, PromptSelection selection, CamSettings settings) {
        try (NDManager manager = bundle.model(BundleModule.GRADCAM).getNDManager().newSubManager()) {
            long start = System.nanoTime();
            VisionFeatures features = vision.encode(manager, input, settings.attentionLayers() - 1);
            NDArray text = encodeText(manager, selection);
            long encoded = System.nanoTime();
            timings.record(Stage.CLIP_ENCODE, encoded - start);
            GradCamOutput out = gradCam.compute(features, text, selection.present(), false);
            int present = selection.present();
            int patches = features.patches();
            // Copying the CAMs to the host waits for the device, so the gradcam time is complete.
            float[] rawFlat = out.cams().toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray();
            long camsDone = System.nanoTime();
            timings.record(Stage.GRADCAM, camsDone - encoded);
            float[][] raw = new float[present][];
            float[][] masks = new float[present][];
            float[][] inputs = new float[present][];
            for (int p = 0; p < present; p++) {
                raw[p] = java.util.Arrays.copyOfRange(rawFlat, p * patches, (p + 1) * patches);
                float[] score = CamNormalisation.normalise(raw[p]);
                masks[p] = BoxMask.of(score, features.gridHeight(), features.gridWidth(), settings.boxThreshold());
                inputs[p] = settings.input() == CaaInput.SCORE ? score : raw[p];
            }
            float[][] refined = settings.enabled()
                    ? ClassAwareAttentionAffinity.refine(
                            AttentionAffinity.transition(features, out.lastAttention(), settings), masks, inputs)
                    : raw;
            timings.record(Stage.CAA, System.nanoTime() - camsDone);
            int[] shape = {present, features.gridHeight(), features.gridWidth()};
            float[] logits = out.logits().toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray();
            return new CamResult(selection.names(), new FloatTensor(shape, flatten(raw)),
                    new FloatTensor(shape, flatten(refined)), logits, settings, input.height(), input.width());
        }
    }

    private NDArray encodeText(NDManager manager, PromptSelection selection) {
        PromptSet set = selection.promptSet();
        List<TextPrompt> prompts = promptBuilder.build(selection);
        return textEncoder.encode(manager, prompts, ref -> {
            FloatTensor context = set.contextSlice(ref.tensor(), ref.index());
            return manager.create(context.data(), new Shape(context.dim(0), context.dim(1)));
        }, false);
    }

    private static float[] flatten(float[][] rows) {
        int n = rows[0].length;
        float[] out = new float[rows.length * n];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, out, i * n, n);
        }
        return out;
    }
}
