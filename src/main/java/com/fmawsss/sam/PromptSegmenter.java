package com.fmawsss.sam;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fmawsss.image.RgbImage;
import com.fmawsss.progress.Progress;
import com.fmawsss.progress.Stage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * SAM's answer to one interactive prompt, as {@code SamPredictor.predict} gives it: the image's
 * embedding (kept per image, so only the first click pays an encoder pass), the clicks and box
 * scaled into the encoder frame ({@code apply_coords}), SAM's padding point when there is no box,
 * the prompt decoder, the four masks upscaled to the image ({@code postprocess_masks}) and
 * thresholded, with predicted IoU and stability.
 */
public final class PromptSegmenter {

    /** SAM's stability offset (its automatic mask generator's default). */
    static final double STABILITY_OFFSET = 1.0;

    private final SamPredictor predictor;
    private final ImageEmbeddings embeddings;
    private final double maskThreshold;

    public PromptSegmenter(SamPredictor predictor, ImageEmbeddings embeddings, double maskThreshold) {
        this.predictor = predictor;
        this.embeddings = embeddings;
        this.maskThreshold = maskThreshold;
    }

    /** Whether the bundle can answer prompts (its exporter knew the prompt decoder). */
    public boolean available() {
        return predictor.decodesPrompts();
    }

    /**
     * @param imageSha256 SHA-256 of the image's encoded bytes, under which its embedding is kept
     */
    public PromptMasks segment(RgbImage image, String imageSha256, SamPrompt prompt, Progress progress) {
        progress.checkCancelled();
        progress.planned(Stage.SAM_ENCODE, 1);
        long start = System.nanoTime();
        try (NDManager manager = predictor.newManager()) {
            ImageEmbeddings.Embedding embedding = embeddings.of(manager, image, imageSha256);
            long encoded = System.nanoTime();
            if (!embedding.cached()) {
                progress.stageDone(Stage.SAM_ENCODE, encoded - start);
            }
            progress.advanced(Stage.SAM_ENCODE, 1);
            progress.checkCancelled();
            progress.planned(Stage.SAM_DECODE, 1);
            SamFrame frame = embedding.frame();
            List<float[]> points = new ArrayList<>();
            List<Long> labels = new ArrayList<>();
            for (SamPrompt.Point p : prompt.points()) {
                points.add(frame.toFrame(p.x(), p.y()));
                labels.add(p.positive() ? 1L : 0L);
            }
            if (prompt.box() != null) {
                points.add(frame.toFrame(prompt.box().x1(), prompt.box().y1()));
                labels.add(2L);
                points.add(frame.toFrame(prompt.box().x2(), prompt.box().y2()));
                labels.add(3L);
            } else {
                points.add(new float[] {0f, 0f}); // SAM's padding point: no box
                labels.add(-1L);
            }
            float[] coords = new float[2 * points.size()];
            for (int i = 0; i < points.size(); i++) {
                coords[2 * i] = points.get(i)[0];
                coords[2 * i + 1] = points.get(i)[1];
            }
            NDList decoded = predictor.decodePrompt(embedding.values(), coords,
                    labels.stream().mapToLong(Long::longValue).toArray());
            float[] iou = decoded.get(1).toType(DataType.FLOAT32, false).toFloatArray();
            NDArray lowRes = decoded.get(0);
            long size = lowRes.getShape().get(2);
            NDArray logits = predictor.upscale(lowRes.reshape(4, 1, size, size), frame);
            float[] stability = SamPredictor.stability(logits, maskThreshold, STABILITY_OFFSET);
            boolean[] all = logits.gt(maskThreshold).toBooleanArray();
            int pixels = image.width() * image.height();
            List<boolean[]> masks = new ArrayList<>(4);
            for (int k = 0; k < 4; k++) {
                masks.add(Arrays.copyOfRange(all, k * pixels, (k + 1) * pixels));
            }
            progress.stageDone(Stage.SAM_DECODE, System.nanoTime() - encoded);
            progress.advanced(Stage.SAM_DECODE, 1);
            return new PromptMasks(image.width(), image.height(), masks, iou, stability, recommended(iou, coords.length / 2),
                    embedding.cached());
        }
    }

    /**
     * SAM's choice for a tool (its ONNX export's {@code select_masks}): with more than 2.5 prompt
     * points (the padding point and box corners counted) the single-mask output, otherwise the
     * multimask output with the highest predicted IoU.
     */
    static int recommended(float[] iou, int promptPoints) {
        if (promptPoints > 2.5) {
            return 0;
        }
        int best = 1;
        for (int k = 2; k < 4; k++) {
            if (iou[k] > iou[best]) {
                best = k;
            }
        }
        return best;
    }
}
