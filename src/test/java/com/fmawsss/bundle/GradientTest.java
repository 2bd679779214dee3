package com.fmawsss.bundle;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;

import com.fmawsss.DemoBundleFixture;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Second-order gradients through DJL: Softmax-GradCAM computed with {@code create_graph=1} is
 * differentiable with respect to the text features, which is what prompt training needs.
 */
class GradientTest {

    private ModelBundle bundle;
    private NDManager m;
    private NDArray x;

    @BeforeEach
    void setUp() {
        bundle = DemoBundleFixture.bundle();
        m = NDManager.newBaseManager(bundle.device());
        NDArray image = BundleLoadingTest.gaussian(m, 7, 1, 3, 48, 64);
        x = bundle.forward(BundleModule.VISION_TRUNK, new NDList(image, m.create(7L))).get(0);
    }

    @AfterEach
    void tearDown() {
        m.close();
    }

    private NDList cams(NDArray text, long createGraph) {
        return bundle.forwardWithGrad(
                BundleModule.GRADCAM,
                new NDList(
                        x,
                        text,
                        m.create(new long[] {0, 1}),
                        m.ones(new Shape(text.getShape().get(0))),
                        m.create(createGraph)));
    }

    private static void assertNonZeroAndFinite(NDArray gradient) {
        assertThat(gradient.isNaN().any().getBoolean()).isFalse();
        assertThat(gradient.isInfinite().any().getBoolean()).isFalse();
        assertThat(gradient.abs().max().getFloat()).isGreaterThan(0f);
    }

    @Test
    void camsAreDifferentiableWithRespectToTextFeatures() {
        int e = bundle.manifest().clip().embedDim();
        // Three nearby directions: with random weights and a logit scale of 100, unrelated
        // features saturate the softmax and every gradient underflows to zero.
        NDArray text =
                BundleLoadingTest.gaussian(m, 8, 1, e)
                        .repeat(0, 3)
                        .add(BundleLoadingTest.gaussian(m, 9, 3, e).mul(0.05f));
        text.setRequiresGradient(true);

        try (GradientCollector collector =
                Engine.getEngine(Devices.ENGINE).newGradientCollector()) {
            NDArray loss = cams(text, 1).get(0).sum();
            collector.backward(loss);
        }

        NDArray gradient = text.getGradient();
        assertThat(gradient.getShape()).isEqualTo(new Shape(3, e));
        assertNonZeroAndFinite(gradient);
        // The CLIP weights are frozen: backward never touches them.
        assertThat(
                        bundle
                                .model(BundleModule.GRADCAM)
                                .getBlock()
                                .getParameters()
                                .values()
                                .stream()
                                .noneMatch(p -> p.getArray().hasGradient()))
                .isTrue();
    }

    @Test
    void gradcamRunsWhateverTheThreadsGradModeAndRestoresIt() {
        NDArray text = BundleLoadingTest.gaussian(m, 10, 2, bundle.manifest().clip().embedDim());

        NDArray cams;
        try (GradMode off = GradMode.disabled()) {
            cams = cams(text, 0).get(0);
            assertThat(JniUtils.isGradMode()).isFalse();
        }

        assertThat(cams.getShape()).isEqualTo(new Shape(2, 12));
        assertThat(cams.isNaN().any().getBoolean()).isFalse();
    }

    @Test
    void gradientsReachPromptTokenEmbeddingsThroughTheTextEncoder() {
        long[] eot = new long[2];
        // Prompts one token apart, for the same reason as above (no softmax saturation).
        NDArray ids =
                BundleLoadingTest.tokenIds(
                        bundle, m, eot, "a clean origami cat.", "a clean origami dog.");
        NDArray embeds =
                bundle.forward(BundleModule.TOKEN_EMBEDDING, new NDList(ids)).get(0).duplicate();
        embeds.setRequiresGradient(true);

        try (GradientCollector collector =
                Engine.getEngine(Devices.ENGINE).newGradientCollector()) {
            NDArray text =
                    bundle.forwardWithGrad(
                                    BundleModule.TEXT_ENCODER, new NDList(embeds, m.create(eot)))
                            .get(0);
            collector.backward(cams(text, 1).get(0).sum());
        }

        NDArray gradient = embeds.getGradient();
        assertNonZeroAndFinite(gradient.get(new NDIndex("0, :{}, :", eot[0] + 1)));
        // Causal text attention: positions after the end of text get exactly no gradient.
        assertThat(gradient.get(new NDIndex("0, {}:, :", eot[0] + 1)).abs().max().getFloat())
                .isEqualTo(0f);
    }
}
