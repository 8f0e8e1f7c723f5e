package jdpo.tensor;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The scalar kernels against the matrix products written out in double precision, on random
 * shapes (odd sizes and single rows included), for 1 and 2 threads.
 */
class ScalarKernelsTest {

    private static final double TOL = 1e-4;

    @TestFactory
    List<DynamicTest> everyKernelMatchesTheDoublePrecisionProduct() {
        Rng shapes = new Rng(2024);
        List<DynamicTest> tests = new ArrayList<>();
        for (int c = 0; c < 12; c++) {
            int m = shapes.nextInt(1, 9), k = shapes.nextInt(1, 21), n = shapes.nextInt(1, 19);
            long seed = shapes.nextLong();
            for (int threads : new int[] {1, 2}) {
                tests.add(DynamicTest.dynamicTest("seed=" + seed + " M=" + m + " K=" + k + " N=" + n + " threads=" + threads,
                        () -> check(seed, m, k, n, threads)));
            }
        }
        return tests;
    }

    private static void check(long seed, int m, int k, int n, int threads) {
        Rng rng = new Rng(seed);
        Tensor x = Tensor.randn(rng, 1f, m, k), w = Tensor.randn(rng, 1f, k, n), b = Tensor.randn(rng, 1f, n);
        Tensor dy = Tensor.randn(rng, 1f, m, n), wte = Tensor.randn(rng, 1f, n, k);
        try (Parallel par = new Parallel(threads)) {
            Kernels ker = new ScalarKernels(par);

            Tensor y = Tensor.randn(rng, 1f, m, n); // overwritten
            ker.linearForward(y, x, w, b);
            for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) {
                double s = b.get(j);
                for (int p = 0; p < k; p++) s += (double) x.get(i, p) * w.get(p, j);
                assertEquals(s, y.get(i, j), TOL * (1 + Math.abs(s)));
            }

            Tensor dx = Tensor.randn(rng, 1f, m, k), dx0 = dx.copy(); // accumulated
            ker.linearBackwardInput(dx, dy, w);
            for (int i = 0; i < m; i++) for (int p = 0; p < k; p++) {
                double s = dx0.get(i, p);
                for (int j = 0; j < n; j++) s += (double) dy.get(i, j) * w.get(p, j);
                assertEquals(s, dx.get(i, p), TOL * (1 + Math.abs(s)));
            }

            Tensor dw = Tensor.randn(rng, 1f, k, n), dw0 = dw.copy();
            Tensor db = Tensor.randn(rng, 1f, n), db0 = db.copy();
            ker.linearBackwardWeight(dw, db, x, dy);
            for (int p = 0; p < k; p++) for (int j = 0; j < n; j++) {
                double s = dw0.get(p, j);
                for (int i = 0; i < m; i++) s += (double) x.get(i, p) * dy.get(i, j);
                assertEquals(s, dw.get(p, j), TOL * (1 + Math.abs(s)));
            }
            for (int j = 0; j < n; j++) {
                double s = db0.get(j);
                for (int i = 0; i < m; i++) s += dy.get(i, j);
                assertEquals(s, db.get(j), TOL * (1 + Math.abs(s)));
            }

            // LM head: wte [V=n, C=k]
            Tensor logits = Tensor.zeros(m, n);
            ker.lmHeadForward(logits, x, wte);
            for (int i = 0; i < m; i++) for (int t = 0; t < n; t++) {
                double s = 0;
                for (int p = 0; p < k; p++) s += (double) x.get(i, p) * wte.get(t, p);
                assertEquals(s, logits.get(i, t), TOL * (1 + Math.abs(s)));
            }
            Tensor hx = Tensor.randn(rng, 1f, m, k), hx0 = hx.copy();
            ker.lmHeadBackwardInput(hx, dy, wte);
            for (int i = 0; i < m; i++) for (int p = 0; p < k; p++) {
                double s = hx0.get(i, p);
                for (int t = 0; t < n; t++) s += (double) dy.get(i, t) * wte.get(t, p);
                assertEquals(s, hx.get(i, p), TOL * (1 + Math.abs(s)));
            }
            Tensor dwte = Tensor.randn(rng, 1f, n, k), dwte0 = dwte.copy();
            ker.lmHeadBackwardWeight(dwte, dy, x);
            for (int t = 0; t < n; t++) for (int p = 0; p < k; p++) {
                double s = dwte0.get(t, p);
                for (int i = 0; i < m; i++) s += (double) dy.get(i, t) * x.get(i, p);
                assertEquals(s, dwte.get(t, p), TOL * (1 + Math.abs(s)));
            }
        }
    }
}
