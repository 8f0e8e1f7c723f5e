package jdpo.tensor;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TimedKernelsTest {

    @Test
    void countsTwoMnkPerProductAndGivesTheInnerKernelsBits() {
        Rng rng = new Rng(71);
        int m = 3, k = 4, n = 5, v = 7;
        Tensor x = Tensor.randn(rng, 1f, m, k), w = Tensor.randn(rng, 1f, k, n), b = Tensor.randn(rng, 1f, n);
        Tensor dy = Tensor.randn(rng, 1f, m, n), wte = Tensor.randn(rng, 1f, v, k), dlogits = Tensor.randn(rng, 1f, m, v);
        Kernels inner = new VectorKernels(Parallel.SERIAL);
        TimedKernels timed = new TimedKernels(inner);
        Tensor[] viaTimed = run(timed, x, w, b, dy, wte, dlogits), direct = run(inner, x, w, b, dy, wte, dlogits);
        for (int i = 0; i < direct.length; i++) assertArrayEquals(direct[i].toArray(), viaTimed[i].toArray(), "output " + i);
        // three linear products of m*k*n and three LM-head products of m*k*v, two flops per multiply-add
        assertEquals(3 * 2.0 * m * k * n + 3 * 2.0 * m * k * v, timed.flops());
        assertTrue(timed.seconds() > 0);
        timed.reset();
        assertEquals(0.0, timed.flops());
        assertEquals(0.0, timed.seconds());
    }

    private static Tensor[] run(Kernels kernels, Tensor x, Tensor w, Tensor b, Tensor dy, Tensor wte, Tensor dlogits) {
        int m = x.dim(0), k = x.dim(1), n = w.dim(1), v = wte.dim(0);
        Tensor y = Tensor.zeros(m, n), dx = Tensor.zeros(m, k), dw = Tensor.zeros(k, n), db = Tensor.zeros(n);
        Tensor logits = Tensor.zeros(m, v), dx2 = Tensor.zeros(m, k), dwte = Tensor.zeros(v, k);
        kernels.linearForward(y, x, w, b);
        kernels.linearBackwardInput(dx, dy, w);
        kernels.linearBackwardWeight(dw, db, x, dy);
        kernels.lmHeadForward(logits, x, wte);
        kernels.lmHeadBackwardInput(dx2, dlogits, wte);
        kernels.lmHeadBackwardWeight(dwte, dlogits, x);
        return new Tensor[] {y, dx, dw, db, logits, dx2, dwte};
    }
}
