package jdpo.nn;

import jdpo.tensor.Kernels;
import jdpo.tensor.Parallel;
import jdpo.tensor.Rng;
import jdpo.tensor.ScalarKernels;
import jdpo.tensor.Tensor;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.DoubleSupplier;

import static jdpo.nn.GradientCheck.Settings.OPS;
import static jdpo.nn.GradientCheck.accumulated;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class LinearTest {

    private static final Kernels K = new ScalarKernels(Parallel.SERIAL);

    @TestFactory
    List<DynamicTest> gradientsOfInputWeightAndBiasMatchFiniteDifferences() {
        Rng gen = new Rng(31);
        List<DynamicTest> tests = new ArrayList<>();
        // {leading dims..., in, out}; every fourth case has no bias
        int[][] fixed = {{1, 1, 1}, {1, 1, 7, 5}, {2, 3, 12, 36}, {5, 17, 3}, {2, 1, 2, 9, 4}};
        for (int c = 0; c < 24; c++) {
            int[] s;
            if (c < fixed.length) {
                s = fixed[c];
            } else {
                s = new int[gen.nextInt(2, 4)];
                for (int d = 0; d < s.length - 2; d++) s[d] = gen.nextInt(1, 4);
                s[s.length - 2] = gen.nextInt(1, 24);
                s[s.length - 1] = gen.nextInt(1, 24);
            }
            boolean bias = c % 4 != 1;
            long seed = gen.nextLong();
            tests.add(DynamicTest.dynamicTest("seed=" + seed + " x" + Arrays.toString(Arrays.copyOf(s, s.length - 1))
                    + " w[" + s[s.length - 2] + ", " + s[s.length - 1] + "] bias=" + bias, () -> checkGradients(seed, s, bias)));
        }
        return tests;
    }

    private static void checkGradients(long seed, int[] s, boolean hasBias) {
        Rng rng = new Rng(seed);
        int in = s[s.length - 2], outN = s[s.length - 1];
        int[] xShape = Arrays.copyOf(s, s.length - 1);
        int[] yShape = xShape.clone();
        yShape[yShape.length - 1] = outN;
        Tensor x = Tensor.randn(rng, 1f, xShape), w = Tensor.randn(rng, 1f, in, outN);
        Tensor b = hasBias ? Tensor.randn(rng, 1f, outN) : null;
        Tensor r = Tensor.randn(rng, 1f, yShape);
        Tensor dx = Tensor.randn(rng, 1f, xShape), dx0 = dx.copy(), dw = Tensor.randn(rng, 1f, in, outN), dw0 = dw.copy();
        Tensor db = hasBias ? Tensor.randn(rng, 1f, outN) : null, db0 = hasBias ? db.copy() : null;
        Linear.backward(K, dx, dw, db, r, x, w);

        Tensor y = Tensor.zeros(yShape);
        DoubleSupplier loss = () -> {
            Linear.forward(K, y, x, w, b);
            return GradientCheck.project(y, r);
        };
        GradientCheck.check("dx", loss, x, accumulated(dx, dx0), OPS);
        GradientCheck.check("dw", loss, w, accumulated(dw, dw0), OPS);
        if (hasBias) GradientCheck.check("db", loss, b, accumulated(db, db0), OPS);

        // Skipping the input gradient must leave the weight gradient the same.
        Tensor dwAgain = dw0.copy();
        Linear.backward(K, null, dwAgain, hasBias ? db0.copy() : null, r, x, w);
        assertArrayEquals(dw.toArray(), dwAgain.toArray());
    }

    @Test
    void usesTheConv1dLayoutInputTimesWeightPlusBias() {
        Tensor x = Tensor.of(new float[] {1, 2}, 1, 2);
        Tensor w = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3); // [in=2, out=3]
        Tensor b = Tensor.of(new float[] {0.5f, 0, -1}, 3);
        Tensor y = Tensor.zeros(1, 3).fill(Float.NaN);
        Linear.forward(K, y, x, w, b);
        assertArrayEquals(new float[] {9.5f, 12f, 14f}, y.toArray());
    }

    @Test
    void rejectsMismatchedShapes() {
        assertThrows(IllegalArgumentException.class,
                () -> Linear.forward(K, Tensor.zeros(2, 3), Tensor.zeros(2, 4), Tensor.zeros(3, 4), null));
        assertThrows(IllegalArgumentException.class,
                () -> Linear.backward(K, Tensor.zeros(2, 5), Tensor.zeros(4, 3), null, Tensor.zeros(2, 3), Tensor.zeros(2, 4), Tensor.zeros(4, 3)));
    }
}
