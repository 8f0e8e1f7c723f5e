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

import static jdpo.nn.GradientCheck.Settings.LOGITS;
import static jdpo.nn.GradientCheck.accumulated;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TokenLogProbsTest {

    /** Targets in [0, V), about a quarter of them -100 (ignored). */
    static int[] targets(Rng rng, int n, int v) {
        int[] y = new int[n];
        for (int i = 0; i < n; i++) y[i] = rng.nextInt(4) == 0 ? -100 : rng.nextInt(v);
        return y;
    }

    /** Shapes [N.., V]: V = 1, a single row, V = 36, a single row of a large vocabulary, then random ones. */
    static List<int[]> shapes(Rng gen, int count) {
        List<int[]> s = new ArrayList<>(List.of(new int[] {3, 1}, new int[] {1, 9}, new int[] {2, 3, 36}, new int[] {1, 1, 300}));
        while (s.size() < count) {
            int[] shape = new int[gen.nextInt(2, 3)];
            for (int d = 0; d < shape.length; d++) shape[d] = gen.nextInt(1, d == shape.length - 1 ? 60 : 4);
            s.add(shape);
        }
        return s;
    }

    @TestFactory
    List<DynamicTest> gradientOfLogitsMatchesFiniteDifferences() {
        Rng gen = new Rng(91);
        List<DynamicTest> tests = new ArrayList<>();
        for (int[] shape : shapes(gen, 26)) {
            long seed = gen.nextLong();
            tests.add(DynamicTest.dynamicTest("seed=" + seed + " logits" + Arrays.toString(shape), () -> {
                Rng rng = new Rng(seed);
                int v = shape[shape.length - 1];
                Tensor x = Tensor.randn(rng, 2f, shape);
                int n = x.size() / v;
                int[] y = targets(rng, n, v);
                float[] r = Tensor.randn(rng, 1f, n).toArray();
                Tensor dx = Tensor.randn(rng, 1f, shape), dx0 = dx.copy();
                TokenLogProbs.backward(dx, x, y, r);
                float[] logp = new float[n];
                DoubleSupplier loss = () -> {
                    TokenLogProbs.forward(logp, x, y);
                    return GradientCheck.project(logp, r);
                };
                GradientCheck.check("dlogits", loss, x, accumulated(dx, dx0), LOGITS);
                double[] g = accumulated(dx, dx0);
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < v && y[i] < 0; j++) assertEquals(0.0, g[i * v + j], "ignored row " + i);
                }
            }));
        }
        return tests;
    }

    @Test
    void isTheTargetsEntryOfLogSoftmaxAndZeroWhenIgnored() {
        Rng rng = new Rng(92);
        int n = 7, v = 31;
        Tensor x = Tensor.randn(rng, 3f, n, v), lp = Tensor.zeros(n, v);
        int[] y = targets(rng, n, v);
        y[0] = -100;
        y[1] = v - 1;
        LogSoftmax.forward(lp, x);
        float[] logp = new float[n];
        Arrays.fill(logp, Float.NaN);
        TokenLogProbs.forward(logp, x, y);
        for (int i = 0; i < n; i++) assertEquals(y[i] < 0 ? 0f : lp.get(i, y[i]), logp[i], 1e-6f);

        float[] hand = new float[1];
        TokenLogProbs.forward(hand, Tensor.of(new float[] {1f, 2f, 3f}, 1, 3), new int[] {2});
        assertEquals(-0.40760596f, hand[0], 1e-7f); // 3 - log(e + e^2 + e^3)
    }

    @Test
    void vectorKernelsAndParallelRowsGiveBitIdenticalResults() {
        int n = 64, v = 3000; // V spans two whole chunks of the exponentials and part of a third
        Rng rng = new Rng(93);
        Tensor x = Tensor.randn(rng, 3f, 4, n / 4, v);
        int[] y = targets(rng, n, v);
        float[] dlogp = Tensor.randn(rng, 1f, n).toArray();
        float[] serial = new float[n];
        Tensor dSerial = Tensor.zeros(4, n / 4, v);
        TokenLogProbs.forward(serial, x, y);
        TokenLogProbs.backward(dSerial, x, y, dlogp);
        try (Parallel par = new Parallel(2)) {
            for (String name : Kernels.NAMES) {
                float[] logp = new float[n];
                double[] lse = new double[n];
                Tensor reused = Tensor.zeros(4, n / 4, v), recomputed = Tensor.zeros(4, n / 4, v);
                Kernels k = Kernels.of(name, par);
                TokenLogProbs.forward(k, logp, lse, x, y);
                TokenLogProbs.backward(k, reused, x, y, dlogp, lse);
                TokenLogProbs.backward(k, recomputed, x, y, dlogp, null);
                assertArrayEquals(serial, logp, name);
                assertArrayEquals(dSerial.toArray(), reused.toArray(), name + ", the forward's log-sum-exps");
                assertArrayEquals(dSerial.toArray(), recomputed.toArray(), name + ", log-sum-exps computed again");
                Tensor over = x.copy();
                TokenLogProbs.backwardOverLogits(k, over, y, dlogp, lse);
                assertArrayEquals(dSerial.toArray(), over.toArray(), name + ", written over the logits");
                for (int i = 0; i < n; i++) {
                    if (y[i] < 0) assertTrue(Double.isNaN(lse[i]), "ignored row " + i);
                    else assertEquals(LogSoftmax.logSumExp(x.data, i * v, v), lse[i], 1e-5, "row " + i);
                }
            }
        }
    }

    @Test
    void nextTokenTargetsScoreEachPositionOnTheTokenAfterIt() {
        int[] ids = {5, 6, 7, 8, 9}, targets = {-1, -1, -1, -1, -1};
        // A prompt of 2 tokens (5, 6) and a response of 2 (7, 8): positions 1 and 2 are scored.
        TokenLogProbs.nextTokenTargets(ids, targets, 1, 4);
        assertArrayEquals(new int[] {-1, 7, 8, -1, -1}, targets);
        TokenLogProbs.nextTokenTargets(ids, targets, 0, 5);
        assertArrayEquals(new int[] {6, 7, 8, 9, -1}, targets);
    }

    @Test
    void rejectsTargetsOutsideTheVocabularyAndMismatchedLengths() {
        Tensor x = Tensor.zeros(2, 5);
        assertThrows(IllegalArgumentException.class, () -> TokenLogProbs.forward(new float[2], x, new int[] {0, 5}));
        assertThrows(IllegalArgumentException.class, () -> TokenLogProbs.forward(new float[2], x, new int[] {0}));
        assertThrows(IllegalArgumentException.class, () -> TokenLogProbs.forward(new float[3], x, new int[] {0, 1}));
        assertThrows(IllegalArgumentException.class, () -> TokenLogProbs.backward(Tensor.zeros(2, 4), x, new int[] {0, 1}, new float[2]));
        assertThrows(IllegalArgumentException.class, () -> TokenLogProbs.backward(Tensor.zeros(2, 5), x, new int[] {0, 1}, new float[1]));
    }
}
