package jdpo.nn;

import jdpo.tensor.Kernels;
import jdpo.tensor.Parallel;
import jdpo.tensor.Rng;
import jdpo.tensor.ScalarKernels;
import jdpo.tensor.Tensor;
import jdpo.tensor.VectorKernels;
import org.junit.jupiter.api.AfterAll;
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

class AttentionTest {

    private static final Kernels SERIAL = new ScalarKernels(Parallel.SERIAL), VECTOR = new VectorKernels(Parallel.SERIAL);
    private static final Parallel TWO = new Parallel(2), THREE = new Parallel(3);

    @AfterAll
    static void closePools() {
        TWO.close();
        THREE.close();
    }

    /** Cases {B, T, nHead, hs}: T = 1, a single row, C = 36 with 3 heads, hs = 1, then random ones. */
    private static List<int[]> shapes(Rng gen, int count) {
        List<int[]> s = new ArrayList<>(List.of(new int[] {1, 1, 1, 4}, new int[] {2, 5, 3, 12}, new int[] {1, 7, 3, 5},
                new int[] {2, 3, 2, 1}, new int[] {1, 1, 3, 3}, new int[] {3, 4, 1, 7}));
        while (s.size() < count) s.add(new int[] {gen.nextInt(1, 3), gen.nextInt(1, 8), gen.nextInt(1, 4), gen.nextInt(1, 10)});
        return s;
    }

    private static String name(long seed, int[] s) {
        return String.format("seed=%d B=%d T=%d nHead=%d C=%d", seed, s[0], s[1], s[2], s[2] * s[3]);
    }

    @TestFactory
    List<DynamicTest> gradientOfQkvMatchesFiniteDifferences() {
        Rng gen = new Rng(51);
        List<DynamicTest> tests = new ArrayList<>();
        List<int[]> shapes = shapes(gen, 26);
        // Past one block of rows (Attention.BLOCK), so the blocked products' seams are checked too.
        shapes.add(new int[] {1, Attention.BLOCK + 5, 1, 2});
        for (int[] s : shapes) {
            long seed = gen.nextLong();
            for (Kernels k : new Kernels[] {SERIAL, VECTOR}) {
                tests.add(DynamicTest.dynamicTest(k.name() + " " + name(seed, s), () -> checkGradient(k, seed, s[0], s[1], s[2], s[2] * s[3])));
            }
        }
        return tests;
    }

    private static void checkGradient(Kernels k, long seed, int b, int t, int nHead, int c) {
        Rng rng = new Rng(seed);
        Tensor qkv = Tensor.randn(rng, 1f, b, t, 3 * c), r = Tensor.randn(rng, 1f, b, t, c);
        Tensor out = Tensor.zeros(b, t, c).fill(Float.NaN), att = Tensor.zeros(b, nHead, t, t).fill(Float.NaN);
        Attention.forward(k, out, att, qkv, nHead);
        Tensor dqkv = Tensor.randn(rng, 1f, b, t, 3 * c), dqkv0 = dqkv.copy();
        Attention.backward(k, dqkv, r, qkv, att, nHead);

        Tensor out2 = Tensor.zeros(b, t, c), att2 = Tensor.zeros(b, nHead, t, t);
        DoubleSupplier loss = () -> {
            Attention.forward(k, out2, att2, qkv, nHead);
            return GradientCheck.project(out2, r);
        };
        GradientCheck.check("dqkv", loss, qkv, accumulated(dqkv, dqkv0), OPS);
    }

    @TestFactory
    List<DynamicTest> scalarAndVectorKernelsGiveTheSameBitsForOneTwoAndThreeThreads() {
        Rng gen = new Rng(52);
        List<DynamicTest> tests = new ArrayList<>();
        // Large enough that both passes really split: T*T*hs >= 8192 with at least 4 (b, h) pairs,
        // and forward rows far above Attention's minimum chunk.
        List<int[]> shapes = new ArrayList<>(List.of(new int[] {2, 33, 3, 12}, new int[] {2, 32, 2, 8},
                new int[] {2, 2 * Attention.BLOCK + 7, 2, 16}));
        while (shapes.size() < 12) {
            shapes.add(new int[] {gen.nextInt(2, 3), gen.nextInt(32, 48), gen.nextInt(2, 4), gen.nextInt(8, 16)});
        }
        for (int[] s : shapes) {
            long seed = gen.nextLong();
            tests.add(DynamicTest.dynamicTest(name(seed, s), () -> {
                int b = s[0], t = s[1], nHead = s[2], c = s[2] * s[3];
                Rng rng = new Rng(seed);
                Tensor qkv = Tensor.randn(rng, 1f, b, t, 3 * c), dout = Tensor.randn(rng, 1f, b, t, c);
                Tensor dqkvInit = Tensor.randn(rng, 1f, b, t, 3 * c);
                float[][] first = null;
                for (Parallel par : new Parallel[] {Parallel.SERIAL, TWO, THREE}) for (String kernels : Kernels.NAMES) {
                    Kernels k = Kernels.of(kernels, par);
                    Tensor out = Tensor.zeros(b, t, c), att = Tensor.zeros(b, nHead, t, t), dqkv = dqkvInit.copy();
                    Attention.forward(k, out, att, qkv, nHead);
                    Attention.backward(k, dqkv, dout, qkv, att, nHead);
                    float[][] now = {out.toArray(), att.toArray(), dqkv.toArray()};
                    if (first == null) first = now;
                    for (int i = 0; i < 3; i++) assertArrayEquals(first[i], now[i], kernels + " threads=" + par.threads());
                }
            }));
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> matchesAPerHeadReferenceInDouble() {
        Rng gen = new Rng(54);
        List<DynamicTest> tests = new ArrayList<>();
        List<int[]> shapes = shapes(gen, 10);
        shapes.add(new int[] {1, 2 * Attention.BLOCK + 3, 2, 4});
        for (int[] s : shapes) {
            long seed = gen.nextLong();
            for (Kernels k : new Kernels[] {SERIAL, VECTOR}) tests.add(DynamicTest.dynamicTest(k.name() + " " + name(seed, s), () -> {
                int b = s[0], t = s[1], nHead = s[2], hs = s[3], c = nHead * hs;
                Tensor qkv = Tensor.randn(new Rng(seed), 1f, b, t, 3 * c);
                Tensor out = Tensor.zeros(b, t, c), att = Tensor.zeros(b, nHead, t, t);
                Attention.forward(k, out, att, qkv, nHead);
                for (int bi = 0; bi < b; bi++) for (int h = 0; h < nHead; h++) for (int ti = 0; ti < t; ti++) {
                    // Hugging Face's split: q, k, v are the thirds of qkv; head h is columns h*hs.. of each.
                    double[] w = new double[t];
                    double max = Double.NEGATIVE_INFINITY, sum = 0;
                    for (int t2 = 0; t2 <= ti; t2++) {
                        for (int i = 0; i < hs; i++) w[t2] += (double) qkv.get(bi, ti, h * hs + i) * qkv.get(bi, t2, c + h * hs + i);
                        w[t2] /= Math.sqrt(hs);
                        max = Math.max(max, w[t2]);
                    }
                    for (int t2 = 0; t2 <= ti; t2++) sum += w[t2] = Math.exp(w[t2] - max);
                    for (int t2 = 0; t2 < t; t2++) {
                        double p = t2 <= ti ? w[t2] / sum : 0;
                        assertEquals(p, att.get(bi, h, ti, t2), 1e-6);
                    }
                    for (int i = 0; i < hs; i++) {
                        double o = 0;
                        for (int t2 = 0; t2 <= ti; t2++) o += w[t2] / sum * qkv.get(bi, t2, 2 * c + h * hs + i);
                        assertEquals(o, out.get(bi, ti, h * hs + i), 1e-5);
                    }
                }
            }));
        }
        return tests;
    }

    @Test
    void aHandWorkedTwoPositionExample() {
        // One head of size 1; rows are {q, k, v}. Position 1 scores q1*k0 = 0 and q1*k1 = ln 3,
        // so it weighs v0 and v1 by 1/4 and 3/4: 4/4 + 3*8/4 = 7. Position 0 sees only v0.
        Tensor qkv = Tensor.of(new float[] {5f, 0f, 4f, 1f, (float) Math.log(3), 8f}, 1, 2, 3);
        Tensor out = Tensor.zeros(1, 2, 1), att = Tensor.zeros(1, 1, 2, 2);
        Attention.forward(SERIAL, out, att, qkv, 1);
        assertEquals(4f, out.get(0, 0, 0));
        assertEquals(7f, out.get(0, 1, 0), 1e-6);
        assertArrayEquals(new float[] {1f, 0f, 0.25f, 0.75f}, att.toArray(), 1e-7f);
    }

    @Test
    void changingLaterPositionsLeavesEarlierOutputsUnchanged() {
        int b = 2, t = 6, nHead = 3, c = 36, t0 = 2;
        Rng rng = new Rng(55);
        Tensor qkv = Tensor.randn(rng, 1f, b, t, 3 * c);
        Tensor out = Tensor.zeros(b, t, c), att = Tensor.zeros(b, nHead, t, t);
        Attention.forward(SERIAL, out, att, qkv, nHead);
        Tensor changed = qkv.copy();
        for (int bi = 0; bi < b; bi++) for (int ti = t0 + 1; ti < t; ti++) for (int j = 0; j < 3 * c; j++) {
            changed.set((float) rng.nextGaussian() * 5, bi, ti, j);
        }
        Tensor out2 = Tensor.zeros(b, t, c), att2 = Tensor.zeros(b, nHead, t, t);
        Attention.forward(SERIAL, out2, att2, changed, nHead);
        boolean laterMoved = false;
        for (int bi = 0; bi < b; bi++) for (int ti = 0; ti < t; ti++) {
            float[] before = out.row(bi).row(ti).toArray(), after = out2.row(bi).row(ti).toArray();
            if (ti <= t0) assertArrayEquals(before, after, "position " + ti);
            else laterMoved |= !Arrays.equals(before, after);
            for (int h = 0; h < nHead; h++) {
                float[] a1 = att.row(bi).row(h).row(ti).toArray(), a2 = att2.row(bi).row(h).row(ti).toArray();
                if (ti <= t0) assertArrayEquals(a1, a2);
                double sum = 0;
                for (int t2 = 0; t2 < t; t2++) {
                    if (t2 > ti) assertEquals(0f, a1[t2], "future position " + t2 + " seen from " + ti);
                    sum += a1[t2];
                }
                assertEquals(1.0, sum, 1e-6);
            }
        }
        assertEquals(true, laterMoved, "the change should reach the later positions");
    }

    @Test
    void rejectsBadShapes() {
        Tensor qkv = Tensor.zeros(1, 2, 12), out = Tensor.zeros(1, 2, 4), att = Tensor.zeros(1, 2, 2, 2);
        assertThrows(IllegalArgumentException.class, () -> Attention.forward(SERIAL, out, att, qkv, 3));
        assertThrows(IllegalArgumentException.class, () -> Attention.forward(SERIAL, out, att, Tensor.zeros(1, 2, 13), 1));
        assertThrows(IllegalArgumentException.class, () -> Attention.forward(SERIAL, Tensor.zeros(1, 2, 5), att, qkv, 2));
        assertThrows(IllegalArgumentException.class, () -> Attention.forward(SERIAL, out, Tensor.zeros(1, 1, 2, 2), qkv, 2));
        assertThrows(IllegalArgumentException.class, () -> Attention.forward(SERIAL, out, att, Tensor.zeros(2, 12), 2));
        assertThrows(IllegalArgumentException.class,
                () -> Attention.backward(SERIAL, Tensor.zeros(1, 2, 4), out, qkv, att, 2));
    }
}
