package jdpo.nn;

import jdpo.tensor.Kernels;
import jdpo.tensor.Parallel;
import jdpo.tensor.Rng;
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
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class GeluTest {

    @TestFactory
    List<DynamicTest> gradientMatchesFiniteDifferences() {
        Rng gen = new Rng(41);
        List<DynamicTest> tests = new ArrayList<>();
        int[][] fixed = {{1}, {1, 1, 5}, {2, 3, 36}, {7, 1}};
        for (int c = 0; c < 24; c++) {
            int[] shape;
            if (c < fixed.length) {
                shape = fixed[c];
            } else {
                shape = new int[gen.nextInt(1, 3)];
                for (int d = 0; d < shape.length; d++) shape[d] = gen.nextInt(1, d == shape.length - 1 ? 40 : 4);
            }
            long seed = gen.nextLong();
            tests.add(DynamicTest.dynamicTest("seed=" + seed + " x" + Arrays.toString(shape), () -> checkGradient(seed, shape)));
        }
        return tests;
    }

    private static void checkGradient(long seed, int[] shape) {
        Rng rng = new Rng(seed);
        Tensor x = Tensor.randn(rng, 2f, shape), r = Tensor.randn(rng, 1f, shape);
        Tensor dx = Tensor.randn(rng, 1f, shape), dx0 = dx.copy();
        Gelu.backward(dx, r, x);
        Tensor out = Tensor.zeros(shape);
        DoubleSupplier loss = () -> {
            Gelu.forward(out, x);
            return GradientCheck.project(out, r);
        };
        GradientCheck.check("dx", loss, x, accumulated(dx, dx0), OPS);
    }

    @Test
    void matchesGeluNewAtKnownPoints() {
        Tensor x = Tensor.of(new float[] {1f, -1f, 0f, 3f, -10f, 10f}, 6), out = Tensor.zeros(6).fill(Float.NaN);
        Gelu.forward(out, x);
        // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) in double precision
        double[] expected = {0.8411919906, -0.1588080094, 0, 2.9963626079, 0, 10};
        for (int i = 0; i < 6; i++) assertEquals(expected[i], out.at(i), 1e-6, "gelu(" + x.at(i) + ")");
    }

    @Test
    void scalarOrVectorExpAndAnyThreadCountGiveTheSameBits() {
        Rng rng = new Rng(33);
        int n = 3 * 4096 + 17;
        Tensor x = Tensor.randn(rng, 3f, n), dout = Tensor.randn(rng, 1f, n), dx0 = Tensor.randn(rng, 1f, n);
        Tensor out1 = Tensor.zeros(n), dx1 = dx0.copy();
        Gelu.forward(out1, x);
        Gelu.backward(dx1, dout, x);
        for (int threads : new int[] {2, 3}) {
            try (Parallel par = new Parallel(threads)) {
                Tensor out = Tensor.zeros(n), dx = dx0.copy();
                Kernels k = Kernels.of(threads == 2 ? "vector" : "scalar", par);
                Gelu.forward(k, out, x);
                Gelu.backward(k, dx, dout, x);
                assertArrayEquals(out1.toArray(), out.toArray(), threads + " threads, forward");
                assertArrayEquals(dx1.toArray(), dx.toArray(), threads + " threads, backward");
            }
        }
    }

    @Test
    void worksInPlace() {
        Tensor x = Tensor.of(new float[] {1f, -1f, 3f}, 3), expected = Tensor.zeros(3);
        Gelu.forward(expected, x);
        Gelu.forward(x, x);
        assertEquals(Arrays.toString(expected.toArray()), Arrays.toString(x.toArray()));
    }

    @Test
    void derivativeAtZeroIsOneHalf() {
        Tensor dx = Tensor.zeros(1);
        Gelu.backward(dx, Tensor.of(new float[] {1f}, 1), Tensor.zeros(1));
        assertEquals(0.5f, dx.at(0));
    }

    @Test
    void rejectsMismatchedSizes() {
        assertThrows(IllegalArgumentException.class, () -> Gelu.forward(Tensor.zeros(3), Tensor.zeros(4)));
        assertThrows(IllegalArgumentException.class, () -> Gelu.backward(Tensor.zeros(4), Tensor.zeros(3), Tensor.zeros(4)));
    }
}
