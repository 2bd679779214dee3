package com.fmawsss.training;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import com.fmawsss.NumericAssertions;
import com.fmawsss.DemoBundleFixture;
import com.fmawsss.PythonReference;
import com.fmawsss.bundle.BundleModule;
import com.fmawsss.bundle.Devices;
import com.fmawsss.bundle.ModelBundle;
import com.fmawsss.cam.CamEngine;
import com.fmawsss.cam.GradCamOutput;
import com.fmawsss.cam.SoftmaxGradCam;
import com.fmawsss.cam.SyntheticImages;
import com.fmawsss.clip.ClipInput;
import com.fmawsss.clip.ClipVision;
import com.fmawsss.clip.PromptSelection;
import com.fmawsss.clip.TextEncoder;
import com.fmawsss.clip.VisionFeatures;
import com.fmawsss.prompts.PromptLayout;
import com.fmawsss.prompts.PromptSet;
import com.fmawsss.prompts.PromptSetFactory;
import com.fmawsss.prompts.PromptSetFile;
import com.fmawsss.prompts.Vocabulary;
import com.fmawsss.tensors.FloatTensor;
import com.fmawsss.tensors.Npy;
import com.fmawsss.tensors.NpyArray;
import com.fmawsss.tensors.Npz;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * MCL and CAL losses and their gradients w.r.t. the prompt contexts (second-order through
 * Softmax-GradCAM for CAL) against {@code models/reference/loss_reference.py} on the demo bundle's
 * weights: relative error ≤ 1e-3.
 */
class PromptLossGradientTest {

    private static final List<List<String>> POSITIVES = List.of(List.of("cat", "dog"), List.of("person"));

    private final ModelBundle bundle = DemoBundleFixture.bundle();
    private final CamEngine engine = new CamEngine(bundle);
    private final TextEncoder textEncoder = new TextEncoder(bundle);
    private final ClipVision vision = new ClipVision(bundle);

    private List<ClipInput> inputs() {
        return List.of(engine.preprocessor().apply(SyntheticImages.discs(224, 224, 51)),
                engine.preprocessor().apply(SyntheticImages.discs(224, 224, 52)));
    }

    private NDArray mclLoss(NDManager m, PromptSet set, PromptParameters params, List<ClipInput> inputs) {
        List<String> names = set.vocabulary().classNames();
        int classes = names.size();
        NDArray text = textEncoder.encode(m, engine.promptBuilder().build(PromptSelection.of(set, names)), params::context, true)
                .get("0:" + classes);
        NDArray textN = text.div(text.norm(new int[] {1}, true));
        NDList images = new NDList();
        for (ClipInput input : inputs) {
            VisionFeatures f = vision.encode(m, input, 0);
            NDArray image = bundle.forward(BundleModule.IMAGE_HEAD, new NDList(f.residual())).head();
            images.add(image.div(image.norm(new int[] {1}, true)).get(0));
        }
        NDArray logits = ai.djl.ndarray.NDArrays.stack(images).matMul(textN.transpose())
                .mul(bundle.manifest().clip().logitScale());
        List<List<Integer>> positives = new ArrayList<>();
        for (List<String> p : POSITIVES) {
            positives.add(p.stream().map(n -> set.vocabulary().indexOf(n)).toList());
        }
        return MclLoss.of(logits, positives);
    }

    private NDArray calLoss(NDManager m, PromptSet set, PromptParameters params, List<ClipInput> inputs, List<int[]> labels) {
        SoftmaxGradCam gradCam = new SoftmaxGradCam(bundle);
        NDArray total = m.zeros(new ai.djl.ndarray.types.Shape());
        long valid = 0;
        for (int b = 0; b < inputs.size(); b++) {
            PromptSelection selection = PromptSelection.of(set, POSITIVES.get(b));
            NDArray text = textEncoder.encode(m, engine.promptBuilder().build(selection), params::context, true);
            VisionFeatures f = vision.encode(m, inputs.get(b), 0);
            GradCamOutput out = gradCam.compute(f, text, selection.present(), true);
            NDArray cams = out.cams().reshape(selection.present(), f.gridHeight(), f.gridWidth());
            int[] present = java.util.stream.IntStream.rangeClosed(1, selection.present()).toArray();
            CalLoss.Terms terms = CalLoss.of(cams, labels.get(b), present, 224, 224);
            total = total.add(terms.sum());
            valid += terms.validPixels();
        }
        return total.div(valid);
    }

    private static List<int[]> pseudoLabels() {
        List<int[]> labels = new ArrayList<>();
        for (int b = 0; b < 2; b++) {
            int[] l = new int[224 * 224];
            for (int y = 0; y < 224; y++) {
                for (int x = 0; x < 224; x++) {
                    int v = 0;
                    if (x > 30 && x < 120 && y > 40 && y < 150) {
                        v = 1;
                    } else if (b == 0 && x > 130 && y > 100) {
                        v = 2;
                    } else if (y < 10) {
                        v = 255;
                    }
                    l[y * 224 + x] = v;
                }
            }
            labels.add(l);
        }
        return labels;
    }

    @Test
    void mclAndCalGradientsMatchTheReference(@TempDir Path dir) throws Exception {
        int width = bundle.manifest().clip().textWidth();
        PromptSet cls = PromptSetFactory.classification("cls", Vocabulary.voc(), 16, width, 61);
        PromptSet seg = PromptSetFactory.segmentation("seg", Vocabulary.voc(), PromptLayout.VOC, 16, width, 62);
        List<ClipInput> inputs = inputs();
        List<int[]> labels = pseudoLabels();
        float[] pixels = new float[2 * 3 * 224 * 224];
        byte[] labelBytes = new byte[2 * 224 * 224];
        for (int b = 0; b < 2; b++) {
            System.arraycopy(inputs.get(b).pixels(), 0, pixels, b * 3 * 224 * 224, 3 * 224 * 224);
            for (int p = 0; p < 224 * 224; p++) {
                labelBytes[b * 224 * 224 + p] = (byte) labels.get(b)[p];
            }
        }
        Files.write(dir.resolve("x.npy"), Npy.write(NpyArray.of(FloatTensor.of(pixels, 2, 3, 224, 224))));
        Files.write(dir.resolve("l.npy"), Npy.write(NpyArray.ofUint8(labelBytes, 2, 224, 224)));
        Files.write(dir.resolve("cls.safetensors"), PromptSetFile.write(cls));
        Files.write(dir.resolve("seg.safetensors"), PromptSetFile.write(seg));
        String positives = "[[\"cat\", \"dog\"], [\"person\"]]";
        Files.writeString(dir.resolve("mcl.loss.json"), "{\"id\": \"mcl\", \"promptSet\": \"cls.safetensors\", \"kind\": \"mcl\", "
                + "\"pixels\": \"x.npy\", \"positives\": " + positives + "}");
        Files.writeString(dir.resolve("cal.loss.json"), "{\"id\": \"cal\", \"promptSet\": \"seg.safetensors\", \"kind\": \"cal\", "
                + "\"pixels\": \"x.npy\", \"labels\": \"l.npy\", \"positives\": " + positives + "}");
        PythonReference.run("models/reference/loss_reference.py", "--bundle", DemoBundleFixture.dir().toString(),
                "--cases", dir.toString());

        try (NDManager m = NDManager.newBaseManager(bundle.device())) {
            PromptParameters clsParams = new PromptParameters(m, cls);
            NDArray mcl;
            try (GradientCollector collector = Engine.getEngine(Devices.ENGINE).newGradientCollector()) {
                mcl = mclLoss(m, cls, clsParams, inputs);
                collector.backward(mcl);
            }
            Map<String, NpyArray> ref = Npz.read(Files.readAllBytes(dir.resolve("mcl.loss.npz")), 10_000_000);
            NumericAssertions.assertRelativeClose("MCL loss", ref.get("loss").toFloatTensor().data(), new float[] {mcl.getFloat()}, 1e-4);
            NumericAssertions.assertRelativeClose("MCL grad ctx", ref.get("grad_ctx").toFloatTensor().data(),
                    clsParams.tensors().get("ctx").getGradient().toFloatArray(), 1e-3);

            PromptParameters segParams = new PromptParameters(m, seg);
            NDArray cal;
            try (GradientCollector collector = Engine.getEngine(Devices.ENGINE).newGradientCollector()) {
                cal = calLoss(m, seg, segParams, inputs, labels);
                collector.backward(cal);
            }
            Map<String, NpyArray> calRef = Npz.read(Files.readAllBytes(dir.resolve("cal.loss.npz")), 10_000_000);
            NumericAssertions.assertRelativeClose("CAL loss", calRef.get("loss").toFloatTensor().data(), new float[] {cal.getFloat()}, 1e-4);
            for (String name : List.of("fg_ctx", "bg_ctx")) {
                NumericAssertions.assertRelativeClose("CAL grad " + name, calRef.get("grad_" + name).toFloatTensor().data(),
                        segParams.tensors().get(name).getGradient().toFloatArray(), 1e-3);
            }
        }
    }

    @Test
    void mclLossDecreasesOnAFixedBatch() {
        int width = bundle.manifest().clip().textWidth();
        PromptSet cls = PromptSetFactory.classification("cls", Vocabulary.voc(), 16, width, 63);
        List<ClipInput> inputs = inputs();
        try (NDManager m = NDManager.newBaseManager(bundle.device())) {
            PromptParameters params = new PromptParameters(m, cls);
            SgdMomentum sgd = new SgdMomentum(0.9, 5e-4);
            List<Float> losses = new ArrayList<>();
            for (int step = 0; step < 6; step++) {
                try (GradientCollector collector = Engine.getEngine(Devices.ENGINE).newGradientCollector()) {
                    NDArray loss = mclLoss(m, cls, params, inputs);
                    losses.add(loss.getFloat());
                    collector.backward(loss);
                }
                sgd.step(params.tensors(), 0.05);
            }
            System.out.println("MCL losses on a fixed batch: " + losses);
            assertThat(losses.get(losses.size() - 1)).isLessThan(losses.get(0));
        }
    }

    @Test
    void scheduleWarmsUpThenDecaysToZero() {
        LearningRateSchedule schedule = LearningRateSchedule.official(1800);
        assertThat(schedule.at(0)).isEqualTo(1e-5);
        assertThat(schedule.at(499)).isEqualTo(1e-5);
        assertThat(schedule.at(500)).isEqualTo(1e-3);
        assertThat(schedule.at(1150)).isCloseTo(0.5e-3, org.assertj.core.api.Assertions.within(1e-12));
        assertThat(schedule.at(1800)).isCloseTo(0.0, org.assertj.core.api.Assertions.within(1e-15));
    }

    @Test
    void bilinearMatrixEqualsTorchOnHandWorkedSizes() {
        // 2 -> 4: source positions -0.25 (clamped 0), 0.25, 0.75, 1.25 (i1 clamped).
        float[] r = BilinearMatrix.of(2, 4);
        assertThat(r).containsExactly(1f, 0f, 0.75f, 0.25f, 0.25f, 0.75f, 0f, 1f);
    }
}
