package com.fmawsss.cam;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
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
import com.fmawsss.clip.TextFeatureCache;
import com.fmawsss.clip.TextPrompt;
import com.fmawsss.clip.VisionFeatures;
import com.fmawsss.image.RgbImage;
import com.fmawsss.progress.Progress;
import com.fmawsss.progress.Stage;
import com.fmawsss.prompts.PromptSet;
import com.fmawsss.tensors.FloatTensor;
import java.util.List;
import java.util.ArrayList;
import java.util.Arrays;

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
    private final TextFeatureCache textFeatures;

    public CamEngine(ModelBundle bundle) {
        this(bundle, new TextFeatureCache(TextFeatureCache.DEFAULT_CAPACITY));
    }

    /** @param textFeatures cache of encoded prompts (capacity 0 encodes every prompt every time) */
    public CamEngine(ModelBundle bundle, TextFeatureCache textFeatures) {
        this.bundle = bundle;
        this.textFeatures = textFeatures;
        var clip = bundle.manifest().clip();
        this.preprocessor = ClipPreprocessor.of(clip);
        this.vision = new ClipVision(bundle);
        this.textEncoder = new TextEncoder(bundle);
        this.promptBuilder = new PromptBuilder(
                new ClipTokenizer(bundle.tokenizer(), clip.sotTokenId(), clip.eotTokenId(), clip.contextLength()));
        this.gradCam = new SoftmaxGradCam(bundle);
    }

    public TextFeatureCache textFeatures() {
        return textFeatures;
    }

    public ClipPreprocessor preprocessor() {
        return preprocessor;
    }

    /** Returns the prompt builder of this bundle. */
    public PromptBuilder promptBuilder() {
        return promptBuilder;
    }

    /**
     * Computes raw and CAA-refined CAMs with the prompt set's default stream settings.
     *
     * @param selection present classes
     * @return the CAMs
     */
    public CamResult compute(RgbImage image, PromptSelection selection) {
        return compute(preprocessor.apply(image), selection, CamSettings.forPromptSet(selection.promptSet()));
    }

    public CamResult compute(ClipInput input, PromptSelection selection, CamSettings settings) {
        return compute(input, selection, settings, Progress.NONE);
    }

    /**
     * Computes raw and CAA-refined CAMs, reporting the clip_encode, gradcam and caa stages (one
     * unit per present class) and stopping between them when the progress says so.
     */
    public CamResult compute(ClipInput input, PromptSelection selection, CamSettings settings, Progress progress) {
        int present = selection.present();
        for (Stage stage : new Stage[] {Stage.CLIP_ENCODE, Stage.GRADCAM, Stage.CAA}) {
            progress.planned(stage, present);
        }
        progress.checkCancelled();
        try (NDManager manager = bundle.model(BundleModule.GRADCAM).getNDManager().newSubManager()) {
            long start = System.nanoTime();
            VisionFeatures features = vision.encode(manager, input, settings.attentionLayers() - 1);
            NDArray text = encodeText(manager, selection);
            long encoded = System.nanoTime();
            progress.stageDone(Stage.CLIP_ENCODE, encoded - start);
            progress.advanced(Stage.CLIP_ENCODE, present);
            progress.checkCancelled();
            GradCamOutput out = gradCam.compute(features, text, present, false);
            int patches = features.patches();
            // Copying the CAMs to the host waits for the device, so the gradcam time is complete.
            float[] rawFlat = out.cams().toType(DataType.FLOAT32, false).toFloatArray();
            long camsDone = System.nanoTime();
            progress.stageDone(Stage.GRADCAM, camsDone - encoded);
            progress.advanced(Stage.GRADCAM, present);
            progress.checkCancelled();
            float[][] raw = new float[present][];
            float[][] masks = new float[present][];
            float[][] inputs = new float[present][];
            for (int p = 0; p < present; p++) {
                raw[p] = Arrays.copyOfRange(rawFlat, p * patches, (p + 1) * patches);
                float[] score = CamNormalisation.normalise(raw[p]);
                masks[p] = BoxMask.of(score, features.gridHeight(), features.gridWidth(), settings.boxThreshold());
                inputs[p] = settings.input() == PropagatedCam.SCORE ? score : raw[p];
            }
            float[][] refined = settings.enabled()
                    ? ClassAwareAttentionAffinity.refine(
                            AttentionAffinity.symmetric(features, out.lastAttention(), settings), settings.power(), masks, inputs)
                    : raw;
            progress.stageDone(Stage.CAA, System.nanoTime() - camsDone);
            progress.advanced(Stage.CAA, present);
            int[] shape = {present, features.gridHeight(), features.gridWidth()};
            float[] logits = out.logits().toType(DataType.FLOAT32, false).toFloatArray();
            return new CamResult(selection.names(), new FloatTensor(shape, flatten(raw)),
                    new FloatTensor(shape, flatten(refined)), logits, settings, input.height(), input.width());
        }
    }

    /** Text features of the selection's prompts; only prompts missing from the cache are encoded. */
    private NDArray encodeText(NDManager manager, PromptSelection selection) {
        PromptSet set = selection.promptSet();
        List<TextPrompt> prompts = promptBuilder.build(selection);
        float[][] rows = new float[prompts.size()][];
        List<TextFeatureCache.Key> keys = new ArrayList<>(prompts.size());
        List<Integer> missing = new ArrayList<>();
        for (int k = 0; k < prompts.size(); k++) {
            TextPrompt prompt = prompts.get(k);
            keys.add(prompt.learned()
                    ? new TextFeatureCache.Key(prompt.tokens().ids(), set.contexts().get(prompt.context().tensor()),
                            prompt.context().index())
                    : new TextFeatureCache.Key(prompt.tokens().ids(), null, -1));
            rows[k] = textFeatures.get(keys.get(k));
            if (rows[k] == null) {
                missing.add(k);
            }
        }
        for (int k : missing) {
            // One prompt per pass: a feature then never depends on which other prompts shared its
            // batch (matmul blocking changes the last bit), so a response does not depend on what
            // earlier requests left in the cache.
            NDArray encoded = textEncoder.encode(manager, List.of(prompts.get(k)), ref -> {
                FloatTensor context = set.contextSlice(ref.tensor(), ref.index());
                return manager.create(context.data(), new Shape(context.dim(0), context.dim(1)));
            }, false);
            rows[k] = encoded.toType(DataType.FLOAT32, false).toFloatArray();
            textFeatures.put(keys.get(k), rows[k]);
        }
        int width = rows[0].length;
        return manager.create(flatten(rows), new Shape(rows.length, width)).toType(bundle.dataType(), false);
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
