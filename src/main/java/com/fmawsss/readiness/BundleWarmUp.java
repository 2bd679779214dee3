package com.fmawsss.readiness;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import com.fmawsss.bundle.BundleException;
import com.fmawsss.bundle.BundleManifest;
import com.fmawsss.bundle.BundleModule;
import com.fmawsss.bundle.ModelBundle;

import java.util.List;

/**
 * Runs every module of a bundle once on a small synthetic input and checks each output shape
 * against docs/bundle-format.md. This pays PyTorch's first-call costs (TorchScript profiling,
 * allocator warm-up) before traffic arrives and catches a bundle whose modules do not match the
 * contract.
 */
public final class BundleWarmUp {

    /** Trunk blocks averaged for CAA: the last 8 layers = 7 trunk blocks + the last block. */
    static final int CAA_TRUNK_LAYERS = 7;

    private static final List<String> PROMPTS =
            List.of("a clean origami person.", "a clean origami ground.");

    /**
     * Runs the warm-up pass.
     *
     * @param bundle the loaded bundle
     * @return elapsed milliseconds
     * @throws BundleException naming the module whose output does not match the contract
     */
    public long run(ModelBundle bundle) {
        long start = System.nanoTime();
        BundleManifest.Clip clip = bundle.manifest().clip();
        BundleManifest.Sam sam = bundle.manifest().sam();
        DataType dtype = bundle.dataType();
        try (NDManager m = NDManager.newBaseManager(bundle.device())) {
            // CLIP vision on a 2x3 patch grid: a tiny non-square image exercises the
            // position-embedding interpolation.
            int patch = clip.patchSize();
            int h = 2 * patch;
            int w = 3 * patch;
            int n = (h / patch) * (w / patch);
            int attnLayers = Math.min(CAA_TRUNK_LAYERS, clip.visionLayers() - 1);
            NDArray image = m.full(new Shape(1, 3, h, w), 0.01f).toType(dtype, false);
            NDList trunk =
                    bundle.forward(
                            BundleModule.VISION_TRUNK,
                            new NDList(image, m.create((long) attnLayers)));
            expect(BundleModule.VISION_TRUNK, "x", trunk.get(0), 1, 1 + n, clip.visionWidth());
            expect(BundleModule.VISION_TRUNK, "attn", trunk.get(1), 1, 1 + n, 1 + n);
            NDArray x = trunk.get(0);

            NDList head = bundle.forward(BundleModule.IMAGE_HEAD, new NDList(x));
            expect(BundleModule.IMAGE_HEAD, "image_embeds", head.get(0), 1, clip.embedDim());

            // CLIP text on two prompts.
            int p = PROMPTS.size();
            long[] ids = new long[p * clip.contextLength()];
            long[] eot = new long[p];
            for (int i = 0; i < p; i++) {
                eot[i] = tokenize(bundle, PROMPTS.get(i), ids, i * clip.contextLength());
            }
            NDList embeds =
                    bundle.forward(
                            BundleModule.TOKEN_EMBEDDING,
                            new NDList(m.create(ids, new Shape(p, clip.contextLength()))));
            expect(
                    BundleModule.TOKEN_EMBEDDING,
                    "embeds",
                    embeds.get(0),
                    p,
                    clip.contextLength(),
                    clip.textWidth());
            NDList text =
                    bundle.forward(
                            BundleModule.TEXT_ENCODER, new NDList(embeds.get(0), m.create(eot)));
            expect(BundleModule.TEXT_ENCODER, "text_embeds", text.get(0), p, clip.embedDim());

            // Softmax-GradCAM for one target over both prompts, first-order only.
            NDList cam =
                    bundle.forwardWithGrad(
                            BundleModule.GRADCAM,
                            new NDList(
                                    x,
                                    text.get(0),
                                    m.create(new long[] {0}),
                                    m.ones(new Shape(p)).toType(dtype, false),
                                    m.create(0L)));
            expect(BundleModule.GRADCAM, "cams", cam.get(0), 1, n);
            expect(BundleModule.GRADCAM, "logits", cam.get(1), p);
            expect(BundleModule.GRADCAM, "attn_last", cam.get(2), 1 + n, 1 + n);
            expect(BundleModule.GRADCAM, "image_embeds", cam.get(3), clip.embedDim());

            // SAM at its full input size (the encoder only takes S x S) and two point prompts.
            int s = sam.inputSize();
            int e = sam.embeddingSize();
            NDList encoded =
                    bundle.forward(
                            BundleModule.SAM_IMAGE_ENCODER,
                            new NDList(m.zeros(new Shape(1, 3, s, s), dtype)));
            expect(
                    BundleModule.SAM_IMAGE_ENCODER,
                    "image_embeddings",
                    encoded.get(0),
                    1,
                    sam.embeddingChannels(),
                    e,
                    e);
            NDArray points =
                    m.create(new float[] {s / 4f, s / 4f, s / 2f, s / 2f}, new Shape(2, 2))
                            .toType(dtype, false);
            NDList decoded =
                    bundle.forward(
                            BundleModule.SAM_MASK_DECODER,
                            new NDList(encoded.get(0), points, m.create(new long[] {1, 1})));
            int lowRes = sam.lowResMaskSize();
            expect(
                    BundleModule.SAM_MASK_DECODER,
                    "low_res_masks",
                    decoded.get(0),
                    2,
                    3,
                    lowRes,
                    lowRes);
            expect(BundleModule.SAM_MASK_DECODER, "iou_predictions", decoded.get(1), 2, 3);
            NDList upscaled =
                    bundle.forward(
                            BundleModule.SAM_MASK_UPSCALER,
                            new NDList(decoded.get(0), m.create(new long[] {s, s * 3 / 4, 30, 40})));
            expect(BundleModule.SAM_MASK_UPSCALER, "masks", upscaled.get(0), 2, 3, 30, 40);
            if (bundle.has(BundleModule.SAM_PROMPT_DECODER)) {
                // A click: a positive point, a negative one and a box.
                NDArray prompt = m.create(new float[] {s / 4f, s / 4f, s / 2f, s / 2f, 0, 0, s - 1f, s - 1f},
                        new Shape(4, 2)).toType(dtype, false);
                NDList clicked = bundle.forward(BundleModule.SAM_PROMPT_DECODER,
                        new NDList(encoded.get(0), prompt, m.create(new long[] {1, 0, 2, 3})));
                expect(BundleModule.SAM_PROMPT_DECODER, "low_res_masks", clicked.get(0), 1, 4, lowRes, lowRes);
                expect(BundleModule.SAM_PROMPT_DECODER, "iou_predictions", clicked.get(1), 1, 4);
            }
        }
        return (System.nanoTime() - start) / 1_000_000;
    }

    /**
     * Writes the token ids of one prompt, zero-padded to the context length, into {@code ids} at
     * {@code offset}, and returns the end-of-text position. Minimal on purpose: the real prompt
     * construction (learned contexts, truncation) belongs to the clip package.
     */
    private static long tokenize(ModelBundle bundle, String prompt, long[] ids, int offset) {
        BundleManifest.Clip clip = bundle.manifest().clip();
        long[] tokens = bundle.tokenizer().encode(prompt).getIds();
        int len = Math.min(tokens.length, clip.contextLength());
        System.arraycopy(tokens, 0, ids, offset, len);
        ids[offset + len - 1] = clip.eotTokenId();
        return len - 1;
    }

    private static void expect(BundleModule module, String output, NDArray array, long... dims) {
        Shape expected = new Shape(dims);
        if (!array.getShape().equals(expected)) {
            throw BundleException.forFile(
                    module.path(),
                    "warm-up output "
                            + output
                            + " has shape "
                            + array.getShape()
                            + " but docs/bundle-format.md requires "
                            + expected
                            + " — the bundle does not match this service");
        }
    }
}
