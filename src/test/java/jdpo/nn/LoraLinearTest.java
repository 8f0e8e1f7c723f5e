package jdpo.nn;

import jdpo.tensor.Kernels;
import jdpo.tensor.Parallel;
import jdpo.tensor.Rng;
import jdpo.tensor.ScalarKernels;
import jdpo.tensor.Tensor;
import jdpo.tensor.VectorKernels;
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

class LoraLinearTest {

    private static final Kernels K = new ScalarKernels(Parallel.SERIAL);

    @TestFactory
    List<DynamicTest> gradientsOfInputBaseAndAdapterMatchFiniteDifferences() {
        Rng gen = new Rng(47);
        List<DynamicTest> tests = new ArrayList<>();
        // {leading dims..., in, r, out}; every third case has a frozen base, every fourth no bias
        int[][] fixed = {{1, 1, 1, 1}, {1, 1, 7, 2, 5}, {2, 3, 12, 4, 36}, {5, 17, 8, 3}, {2, 1, 2, 9, 1, 4}};
        for (int c = 0; c < 24; c++) {
            int[] s;
            if (c < fixed.length) {
                s = fixed[c];
            } else {
                s = new int[gen.nextInt(3, 5)];
                for (int d = 0; d < s.length - 3; d++) s[d] = gen.nextInt(1, 4);
                s[s.length - 3] = gen.nextInt(1, 24);
                s[s.length - 2] = gen.nextInt(1, 8);
                s[s.length - 1] = gen.nextInt(1, 24);
            }
            boolean frozen = c % 3 == 2, bias = c % 4 != 1;
            float scale = c % 2 == 0 ? 2f : 0.37f;
            long seed = gen.nextLong();
            tests.add(DynamicTest.dynamicTest("seed=" + seed + " " + Arrays.toString(s) + " frozen=" + frozen
                    + " bias=" + bias + " s=" + scale, () -> checkGradients(seed, s, frozen, bias, scale)));
        }
        return tests;
    }

    private static void checkGradients(long seed, int[] s, boolean frozen, boolean hasBias, float scale) {
        Rng rng = new Rng(seed);
        int in = s[s.length - 3], r = s[s.length - 2], outN = s[s.length - 1];
        int[] xShape = Arrays.copyOf(s, s.length - 2);
        int[] yShape = xShape.clone(), xaShape = xShape.clone();
        yShape[yShape.length - 1] = outN;
        xaShape[xaShape.length - 1] = r;
        Tensor x = Tensor.randn(rng, 1f, xShape), w = Tensor.randn(rng, 1f, in, outN);
        Tensor bias = hasBias ? Tensor.randn(rng, 1f, outN) : null;
        // B random, not zero as at initialization, so that dA is not trivially zero.
        Tensor a = Tensor.randn(rng, 1f, in, r), b = Tensor.randn(rng, 1f, r, outN);
        Tensor dy = Tensor.randn(rng, 1f, yShape);
        // Gradient buffers start non-zero: the backward must add to them.
        Tensor dx = Tensor.randn(rng, 1f, xShape), dx0 = dx.copy();
        Tensor dw = Tensor.randn(rng, 1f, in, outN), dw0 = dw.copy();
        Tensor db = hasBias ? Tensor.randn(rng, 1f, outN) : null, db0 = hasBias ? db.copy() : null;
        Tensor da = Tensor.randn(rng, 1f, in, r), da0 = da.copy(), dbl = Tensor.randn(rng, 1f, r, outN), dbl0 = dbl.copy();

        Tensor y = Tensor.zeros(yShape), xa = Tensor.zeros(xaShape), scratch = Tensor.zeros(yShape);
        LoraLinear.forward(K, y, xa, scratch, x, w, bias, a, b, scale);
        LoraLinear.backward(K, dx, frozen ? null : dw, frozen ? null : db, da, dbl, dy, x, xa, w, a, b, scale,
                Tensor.zeros(yShape).fill(Float.NaN), Tensor.zeros(xaShape).fill(Float.NaN));

        DoubleSupplier loss = () -> {
            LoraLinear.forward(K, y, xa, scratch, x, w, bias, a, b, scale);
            return GradientCheck.project(y, dy);
        };
        GradientCheck.check("dx", loss, x, accumulated(dx, dx0), OPS);
        GradientCheck.check("dA", loss, a, accumulated(da, da0), OPS);
        GradientCheck.check("dB", loss, b, accumulated(dbl, dbl0), OPS);
        if (frozen) {
            assertArrayEquals(dw0.toArray(), dw.toArray(), "a frozen base weight gets no gradient");
            if (hasBias) assertArrayEquals(db0.toArray(), db.toArray(), "a frozen base bias gets no gradient");
        } else {
            GradientCheck.check("dW", loss, w, accumulated(dw, dw0), OPS);
            if (hasBias) GradientCheck.check("db", loss, bias, accumulated(db, db0), OPS);
        }
    }

    @Test
    void withBZeroTheLayerIsTheBaseLayerBitForBit() {
        Rng rng = new Rng(5);
        Tensor x = Tensor.randn(rng, 1f, 3, 4, 16), w = Tensor.randn(rng, 1f, 16, 24), bias = Tensor.randn(rng, 1f, 24);
        Tensor a = Tensor.randn(rng, 1f, 16, 8), b = Tensor.zeros(8, 24);
        for (Kernels k : List.<Kernels>of(K, new VectorKernels(Parallel.SERIAL))) {
            Tensor base = Tensor.zeros(3, 4, 24), lora = Tensor.zeros(3, 4, 24);
            Linear.forward(k, base, x, w, bias);
            LoraLinear.forward(k, lora, Tensor.zeros(3, 4, 8), Tensor.zeros(3, 4, 24), x, w, bias, a, b, 2f);
            assertArrayEquals(base.toArray(), lora.toArray(), k.name());
        }
    }

    @Test
    void addsTheScaledLowRankProductToTheBaseLayer() {
        Tensor x = Tensor.of(new float[] {1, 2}, 1, 2);
        Tensor w = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);  // [in=2, out=3]
        Tensor bias = Tensor.of(new float[] {0.5f, 0, -1}, 3);
        Tensor a = Tensor.of(new float[] {1, -1}, 2, 1);             // [in=2, r=1]: x A = -1
        Tensor b = Tensor.of(new float[] {1, 0, 2}, 1, 3);           // [r=1, out=3]
        Tensor y = Tensor.zeros(1, 3).fill(Float.NaN), xa = Tensor.zeros(1, 1);
        LoraLinear.forward(K, y, xa, Tensor.zeros(1, 3), x, w, bias, a, b, 4f);
        // base [9.5, 12, 14] + 4 * (-1) * [1, 0, 2]
        assertArrayEquals(new float[] {5.5f, 12f, 6f}, y.toArray());
        assertEquals(-1f, xa.at(0));
    }

    @Test
    void vectorKernelsGiveTheScalarNumbersWithinRounding() {
        Rng rng = new Rng(9);
        Tensor x = Tensor.randn(rng, 1f, 2, 5, 33), w = Tensor.randn(rng, 1f, 33, 40), bias = Tensor.randn(rng, 1f, 40);
        Tensor a = Tensor.randn(rng, 1f, 33, 8), b = Tensor.randn(rng, 1f, 8, 40), dy = Tensor.randn(rng, 1f, 2, 5, 40);
        float[][] got = new float[2][];
        int i = 0;
        for (Kernels k : List.<Kernels>of(K, new VectorKernels(Parallel.SERIAL))) {
            Tensor y = Tensor.zeros(2, 5, 40), xa = Tensor.zeros(2, 5, 8), dx = Tensor.zeros(2, 5, 33);
            Tensor da = Tensor.zeros(33, 8), db = Tensor.zeros(8, 40);
            LoraLinear.forward(k, y, xa, Tensor.zeros(2, 5, 40), x, w, bias, a, b, 2f);
            LoraLinear.backward(k, dx, null, null, da, db, dy, x, xa, w, a, b, 2f, Tensor.zeros(2, 5, 40), Tensor.zeros(2, 5, 8));
            float[] all = new float[y.size() + dx.size() + da.size() + db.size()];
            int at = 0;
            for (Tensor t : new Tensor[] {y, dx, da, db}) {
                System.arraycopy(t.toArray(), 0, all, at, t.size());
                at += t.size();
            }
            got[i++] = all;
        }
        for (int j = 0; j < got[0].length; j++) {
            assertEquals(got[0][j], got[1][j], 1e-4f * (1 + Math.abs(got[0][j])), "element " + j);
        }
    }

    @Test
    void rejectsAScratchOfTheWrongSize() {
        assertThrows(IllegalArgumentException.class, () -> LoraLinear.forward(K, Tensor.zeros(2, 3), Tensor.zeros(2, 1),
                Tensor.zeros(2, 2), Tensor.zeros(2, 4), Tensor.zeros(4, 3), null, Tensor.zeros(4, 1), Tensor.zeros(1, 3), 1f));
    }
}
