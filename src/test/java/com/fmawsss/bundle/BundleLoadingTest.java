package com.fmawsss.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import com.fmawsss.DemoBundleFixture;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Random;

/**
 * Loads the real demo bundle and runs every module, checking output shapes exactly as in
 * docs/bundle-format.md plus a few value properties that hold for any weights.
 */
class BundleLoadingTest {

    private static final long[] TARGETS = {0, 2};

    private ModelBundle bundle;
    private BundleManifest.Clip clip;
    private BundleManifest.Sam sam;
    private NDManager m;

    @BeforeEach
    void setUp() {
        bundle = DemoBundleFixture.bundle();
        clip = bundle.manifest().clip();
        sam = bundle.manifest().sam();
        m = NDManager.newBaseManager(bundle.device());
    }

    @AfterEach
    void tearDown() {
        m.close();
    }

    /** A seeded N(0,1) tensor, i.e. a plausible CLIP-normalised image. */
    static NDArray gaussian(NDManager m, long seed, long... dims) {
        Shape shape = new Shape(dims);
        float[] data = new float[Math.toIntExact(shape.size())];
        Random random = new Random(seed);
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) random.nextGaussian();
        }
        return m.create(data, shape);
    }

    /** Token ids of prompts, zero-padded to the context length; fills the EOT positions. */
    static NDArray tokenIds(ModelBundle bundle, NDManager m, long[] eot, String... prompts) {
        int ctx = bundle.manifest().clip().contextLength();
        long[] ids = new long[prompts.length * ctx];
        for (int i = 0; i < prompts.length; i++) {
            long[] tokens = bundle.tokenizer().encode(prompts[i]).getIds();
            System.arraycopy(tokens, 0, ids, i * ctx, tokens.length);
            eot[i] = tokens.length - 1;
        }
        return m.create(ids, new Shape(prompts.length, ctx));
    }

    private NDList trunk(NDArray image, long attnLayers) {
        return bundle.forward(BundleModule.VISION_TRUNK, new NDList(image, m.create(attnLayers)));
    }

    private NDArray textFeatures(String... prompts) {
        long[] eot = new long[prompts.length];
        NDArray ids = tokenIds(bundle, m, eot, prompts);
        NDArray embeds = bundle.forward(BundleModule.TOKEN_EMBEDDING, new NDList(ids)).get(0);
        return bundle.forward(BundleModule.TEXT_ENCODER, new NDList(embeds, m.create(eot))).get(0);
    }

    @Test
    void everyModuleAndTheTokenizerAreLoaded() {
        for (BundleModule module : BundleModule.values()) {
            assertThat(bundle.model(module).getBlock()).as(module.path()).isNotNull();
        }
        long[] ids = bundle.tokenizer().encode("a clean origami person.").getIds();
        assertThat(ids[0]).isEqualTo(clip.sotTokenId());
        assertThat(ids[ids.length - 1]).isEqualTo(clip.eotTokenId());
        assertThat(bundle.dataType()).isEqualTo(DataType.FLOAT32);
        assertThat(Devices.name(bundle.device())).isEqualTo("cpu");
    }

    @Test
    void visionTrunkReturnsResidualStreamAndRowStochasticAttention() {
        NDList out = trunk(gaussian(m, 1, 1, 3, 48, 64), 7);

        long n = 3 * 4;
        assertThat(out.get(0).getShape()).isEqualTo(new Shape(1, 1 + n, clip.visionWidth()));
        assertThat(out.get(1).getShape()).isEqualTo(new Shape(1, 1 + n, 1 + n));
        for (float rowSum : out.get(1).sum(new int[] {2}).toFloatArray()) {
            assertThat(rowSum).isCloseTo(1f, within(1e-5f));
        }
    }

    @Test
    void visionTrunkAttentionIsZeroWhenNoLayersAreAveraged() {
        NDList out = trunk(gaussian(m, 1, 1, 3, 32, 32), 0);

        assertThat(out.get(1).getShape()).isEqualTo(new Shape(1, 5, 5));
        assertThat(out.get(1).abs().max().getFloat()).isEqualTo(0f);
    }

    @Test
    void imageHeadGivesOneEmbeddingPerImage() {
        NDArray x = trunk(gaussian(m, 2, 2, 3, 32, 48), 7).get(0);

        NDArray embeds = bundle.forward(BundleModule.IMAGE_HEAD, new NDList(x)).get(0);

        assertThat(embeds.getShape()).isEqualTo(new Shape(2, clip.embedDim()));
    }

    @Test
    void textEncoderIgnoresEverythingAfterTheEndOfText() {
        long[] eot = new long[2];
        NDArray ids = tokenIds(bundle, m, eot, "a clean origami cat.", "a clean origami sky.");
        NDArray embeds = bundle.forward(BundleModule.TOKEN_EMBEDDING, new NDList(ids)).get(0);
        assertThat(embeds.getShape())
                .isEqualTo(new Shape(2, clip.contextLength(), clip.textWidth()));

        NDArray text =
                bundle.forward(BundleModule.TEXT_ENCODER, new NDList(embeds, m.create(eot))).get(0);
        // Causal attention: junk after EOT must not change the features at EOT.
        NDArray noisy = embeds.duplicate();
        noisy.set(
                new ai.djl.ndarray.index.NDIndex(":, {}:, :", eot[0] + 1),
                gaussian(m, 3, 2, clip.contextLength() - eot[0] - 1, clip.textWidth()));
        NDArray textNoisy =
                bundle.forward(BundleModule.TEXT_ENCODER, new NDList(noisy, m.create(eot))).get(0);

        assertThat(text.getShape()).isEqualTo(new Shape(2, clip.embedDim()));
        assertThat(text.allClose(textNoisy, 1e-5, 1e-5, false)).isTrue();
        assertThat(text.get(0).allClose(text.get(1), 1e-3, 1e-3, false)).isFalse();
    }

    @Test
    void gradcamReturnsCamsLogitsAttentionAndEmbedding() {
        NDArray x = trunk(gaussian(m, 4, 1, 3, 48, 64), 7).get(0);
        NDArray text =
                textFeatures(
                        "a clean origami cat.", "a clean origami dog.", "a clean origami sky.");
        long n = 12;

        NDList out = gradcam(x, text, TARGETS);

        assertThat(out.get(0).getShape()).isEqualTo(new Shape(2, n));
        assertThat(out.get(1).getShape()).isEqualTo(new Shape(3));
        assertThat(out.get(2).getShape()).isEqualTo(new Shape(1 + n, 1 + n));
        assertThat(out.get(3).getShape()).isEqualTo(new Shape(clip.embedDim()));
        for (float rowSum : out.get(2).sum(new int[] {1}).toFloatArray()) {
            assertThat(rowSum).isCloseTo(1f, within(1e-5f));
        }
        // image_embeds agrees with the image head on the same residual stream.
        NDArray head = bundle.forward(BundleModule.IMAGE_HEAD, new NDList(x)).get(0).get(0);
        assertThat(out.get(3).allClose(head, 1e-4, 1e-5, false)).isTrue();
        // logits = logitScale * cos(image, text).
        NDArray img = head.div(head.norm());
        NDArray txt = text.div(text.norm(new int[] {1}, true));
        NDArray expected = txt.matMul(img).mul(clip.logitScale());
        assertThat(out.get(1).allClose(expected, 1e-4, 1e-3, false)).isTrue();
        // Batched targets equal targets computed one at a time.
        NDArray single = gradcam(x, text, new long[] {2}).get(0);
        assertThat(out.get(0).get(1).allClose(single.get(0), 1e-4, 1e-6, false)).isTrue();
        assertThat(out.get(0).isInfinite().any().getBoolean()).isFalse();
        assertThat(out.get(0).isNaN().any().getBoolean()).isFalse();
    }

    private NDList gradcam(NDArray x, NDArray text, long[] targets) {
        return bundle.forwardWithGrad(
                BundleModule.GRADCAM,
                new NDList(
                        x,
                        text,
                        m.create(targets),
                        m.ones(new Shape(text.getShape().get(0))),
                        m.create(0L)));
    }

    @Test
    void samEncodesAndDecodesPointPrompts() {
        int s = sam.inputSize();
        int e = sam.embeddingSize();
        NDArray embeddings =
                bundle.forward(
                                BundleModule.SAM_IMAGE_ENCODER,
                                new NDList(gaussian(m, 5, 1, 3, s, s)))
                        .get(0);
        assertThat(embeddings.getShape()).isEqualTo(new Shape(1, sam.embeddingChannels(), e, e));

        NDArray points = m.create(new float[] {100, 200, 512, 512, 100, 200}, new Shape(3, 2));
        NDList out =
                bundle.forward(
                        BundleModule.SAM_MASK_DECODER,
                        new NDList(embeddings, points, m.create(new long[] {1, 1, 1})));

        assertThat(sam.lowResMaskSize()).isEqualTo(4 * e);
        assertThat(out.get(0).getShape()).isEqualTo(new Shape(3, 3, 4L * e, 4L * e));
        assertThat(out.get(1).getShape()).isEqualTo(new Shape(3, 3));
        // Each prompt is decoded independently of the others in the batch.
        assertThat(out.get(0).get(0).allClose(out.get(0).get(2), 1e-5, 1e-5, false)).isTrue();
        assertThat(out.get(0).get(0).allClose(out.get(0).get(1), 1e-3, 1e-3, false)).isFalse();
    }
}
