package com.fmawsss.sam;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fmawsss.bundle.BundleModule;
import com.fmawsss.bundle.ModelBundle;
import java.util.concurrent.atomic.AtomicLong;
import java.util.Arrays;

/**
 * The SAM modules of a bundle: image encoder, point-prompt decoder and mask upscaler (spec §3).
 * Counts encoder runs so the superpixel cache can be observed.
 */
public final class SamPredictor {

    private final ModelBundle bundle;
    private final AtomicLong encoderRuns = new AtomicLong();

    public SamPredictor(ModelBundle bundle) {
        this.bundle = bundle;
    }

    /**
     * Returns a fresh native memory scope on the bundle's device.
     *
     * @return a sub-manager to close after use
     */
    public NDManager newManager() {
        return bundle.model(BundleModule.SAM_IMAGE_ENCODER).getNDManager().newSubManager();
    }

    /**
     * Runs the image encoder.
     *
     * @param manager memory scope
     * @param input the preprocessed image
     * @return {@code [1, C, e, e]} image embedding
     */
    public NDArray encode(NDManager manager, SamInput input) {
        encoderRuns.incrementAndGet();
        NDArray pixels = manager.create(input.pixels(), new Shape(1, 3, input.size(), input.size()))
                .toType(bundle.dataType(), false);
        return bundle.forward(BundleModule.SAM_IMAGE_ENCODER, new NDList(pixels)).head();
    }

    /**
     * Decodes single-point prompts.
     *
     * @param embedding the image embedding
     * @param coords {@code 2Q} (x, y) values in the S x S input frame
     * @return low-res mask logits {@code [Q, 3, 4e, 4e]} and predicted IoUs {@code [Q, 3]}
     */
    public NDList decode(NDArray embedding, float[] coords) {
        NDManager manager = embedding.getManager();
        int count = coords.length / 2;
        NDArray points = manager.create(coords, new Shape(count, 2)).toType(bundle.dataType(), false);
        long[] labels = new long[count];
        Arrays.fill(labels, 1L);
        return bundle.forward(BundleModule.SAM_MASK_DECODER, new NDList(embedding, points, manager.create(labels)));
    }

    /**
     * Decodes one interactive prompt (SAM's {@code SamPredictor.predict}): several points and an
     * optional box.
     *
     * @param coords {@code 2N} (x, y) values in the S x S input frame
     * @param labels {@code N} SAM labels: 1 positive, 0 negative, 2/3 box corners, -1 padding
     * @return low-res mask logits {@code [1, 4, 4e, 4e]} (token 0 the single-mask output, 1-3 the
     *     multimask outputs) and predicted IoUs {@code [1, 4]}
     */
    public NDList decodePrompt(NDArray embedding, float[] coords, long[] labels) {
        NDManager manager = embedding.getManager();
        NDArray points = manager.create(coords, new Shape(labels.length, 2)).toType(bundle.dataType(), false);
        return bundle.forward(BundleModule.SAM_PROMPT_DECODER, new NDList(embedding, points, manager.create(labels)));
    }

    /** The floating-point type of the modules' inputs and outputs. */
    public DataType dataType() {
        return bundle.dataType();
    }

    /** Whether the bundle can decode interactive prompts (its exporter knew the prompt decoder). */
    public boolean decodesPrompts() {
        return bundle.has(BundleModule.SAM_PROMPT_DECODER);
    }

    /**
     * Upscales selected low-res logits to the (crop) image size, as SAM's {@code
     * postprocess_masks}.
     *
     * @param lowRes {@code [K, 1, 4e, 4e]} logits
     * @param frame resized and original size of the image (or crop)
     * @return {@code [K, 1, H, W]} float32 logits
     */
    public NDArray upscale(NDArray lowRes, SamFrame frame) {
        NDArray sizes = lowRes.getManager().create(new long[] {
            frame.resizedHeight(), frame.resizedWidth(), frame.originalHeight(), frame.originalWidth()});
        return bundle.forward(BundleModule.SAM_MASK_UPSCALER, new NDList(lowRes, sizes)).head()
                .toType(DataType.FLOAT32, false);
    }

    /**
     * SAM {@code calculate_stability_score}: IoU of the masks thresholded at {@code threshold ±
     * offset}.
     *
     * @param logits {@code [K, 1, H, W]}
     * @param threshold mask threshold
     * @param offset stability offset
     * @return K scores (NaN when the looser mask is empty)
     */
    public static float[] stability(NDArray logits, double threshold, double offset) {
        NDArray inter = logits.gt(threshold + offset).toType(DataType.INT32, false).sum(new int[] {1, 2, 3});
        NDArray union = logits.gt(threshold - offset).toType(DataType.INT32, false).sum(new int[] {1, 2, 3});
        long[] i = inter.toType(DataType.INT64, false).toLongArray();
        long[] u = union.toType(DataType.INT64, false).toLongArray();
        float[] out = new float[i.length];
        for (int k = 0; k < i.length; k++) {
            out[k] = (float) i[k] / (float) u[k];
        }
        return out;
    }

    /**
     * Selects rows of an array.
     *
     * @param rows row indices
     * @return the rows, in the given order
     */
    public static NDArray rows(NDArray array, int[] rows) {
        long[] indices = new long[rows.length];
        for (int i = 0; i < rows.length; i++) {
            indices[i] = rows[i];
        }
        return array.get(new NDIndex("{}", array.getManager().create(indices)));
    }

    /**
     * Returns how often the image encoder ran.
     *
     * @return the count since start
     */
    public long encoderRuns() {
        return encoderRuns.get();
    }
}
