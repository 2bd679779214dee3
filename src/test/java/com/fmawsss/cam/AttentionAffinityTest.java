package com.fmawsss.cam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

class AttentionAffinityTest {

    @Test
    void onePassSinkhornSymmetrisationAndSquareByHand() {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            NDArray a = manager.create(new float[] {1, 2, 3, 4}, new Shape(2, 2));
            float[] t = AttentionAffinity.transition(a, 1, 2).toFloatArray();
            // Columns: [[1/4, 2/6], [3/4, 4/6]]; rows: [[3/7, 4/7], [9/17, 8/17]];
            // symmetric: a = 3/7, b = (4/7 + 9/17) / 2 = 131/238, c = 8/17; squared: [[a²+b², b(a+c)], ...].
            double x = 3.0 / 7;
            double b = 131.0 / 238;
            double c = 8.0 / 17;
            assertThat(t[0]).isCloseTo((float) (x * x + b * b), within(1e-6f));
            assertThat(t[1]).isCloseTo((float) (b * (x + c)), within(1e-6f));
            assertThat(t[2]).isCloseTo((float) (b * (x + c)), within(1e-6f));
            assertThat(t[3]).isCloseTo((float) (b * b + c * c), within(1e-6f));
            // t = 1 and zero passes: plain symmetrisation of the input.
            assertThat(AttentionAffinity.transition(a, 0, 1).toFloatArray()).containsExactly(1f, 2.5f, 2.5f, 4f);
        }
    }

    @Test
    void refinementPropagatesOnlyFromPatchesInsideTheBox() {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            NDArray transition = manager.create(new float[] {
                0.5f, 0.3f, 0.2f,
                0.3f, 0.4f, 0.3f,
                0.2f, 0.3f, 0.5f}, new Shape(3, 3));
            float[][] refined = ClassAwareAttentionAffinity.refine(transition,
                    new float[][] {{1, 1, 0}, {0, 0, 1}}, new float[][] {{1, 2, 4}, {1, 1, 1}});
            // class 0: x = [1, 2, 0] -> A x = [1.1, 1.1, 0.8]; class 1: x = [0, 0, 1] -> third column.
            assertThat(refined[0]).containsExactly(new float[] {1.1f, 1.1f, 0.8f}, within(1e-6f));
            assertThat(refined[1]).containsExactly(new float[] {0.2f, 0.3f, 0.5f}, within(1e-6f));
        }
    }

    @Test
    void repeatedProductsEqualTheMatrixPower() {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            java.util.Random random = new java.util.Random(3);
            int n = 40;
            float[] values = new float[n * n];
            for (int i = 0; i < values.length; i++) {
                values[i] = random.nextFloat();
            }
            NDArray a = AttentionAffinity.transition(manager.create(values, new Shape(n, n)), 1, 1);
            float[][] masks = new float[2][n];
            float[][] inputs = new float[2][n];
            for (int i = 0; i < n; i++) {
                masks[0][i] = i % 3 == 0 ? 0 : 1;
                masks[1][i] = i < n / 2 ? 1 : 0;
                inputs[0][i] = random.nextFloat();
                inputs[1][i] = random.nextFloat() - 0.5f;
            }
            for (int power : new int[] {1, 2, 3}) {
                float[][] viaPower = ClassAwareAttentionAffinity.refine(AttentionAffinity.transition(a, 0, power), masks, inputs);
                float[][] viaProducts = ClassAwareAttentionAffinity.refine(a, power, masks, inputs);
                for (int p = 0; p < 2; p++) {
                    assertThat(viaProducts[p]).containsExactly(viaPower[p], within(1e-6f));
                }
            }
        }
    }
}
