package jdpo.tensor;

import static jdpo.tensor.MatrixShapes.cols;
import static jdpo.tensor.MatrixShapes.rows;

/**
 * Kernels that pass every call on to others and add up the wall seconds and floating-point
 * operations ({@code 2 m n k} each) of the six matrix products, for {@code bench} to say how much
 * of a step they take. The products are called from the caller's thread and split their rows
 * over the pool inside, so their wall time is what a caller waits. Attention's per-head calls
 * ({@link #product}, {@link #exp}) run on the pool's threads and are passed on untimed.
 */
public final class TimedKernels implements Kernels {
    private final Kernels inner;
    private long nanos;
    private double flops;

    public TimedKernels(Kernels inner) {
        this.inner = inner;
    }

    /** Seconds spent in the six products since the last {@link #reset}. */
    public double seconds() { return nanos / 1e9; }

    /** Floating-point operations of the six products since the last {@link #reset}. */
    public double flops() { return flops; }

    public void reset() {
        nanos = 0;
        flops = 0;
    }

    /** Runs one product of {@code C [m, n] (+)= A [m, k] B [k, n]} and adds its seconds and FLOPs. */
    private void timed(Runnable product, double m, double n, double k) {
        long t0 = System.nanoTime();
        product.run();
        nanos += System.nanoTime() - t0;
        flops += 2 * m * n * k;
    }

    @Override
    public String name() { return inner.name(); }

    @Override
    public Parallel parallel() { return inner.parallel(); }

    @Override
    public void linearForward(Tensor y, Tensor x, Tensor w, Tensor b) {
        timed(() -> inner.linearForward(y, x, w, b), rows(x), cols(w), cols(x));
    }

    @Override
    public void linearBackwardInput(Tensor dx, Tensor dy, Tensor w) {
        timed(() -> inner.linearBackwardInput(dx, dy, w), rows(dy), rows(w), cols(dy));
    }

    @Override
    public void linearBackwardWeight(Tensor dw, Tensor db, Tensor x, Tensor dy) {
        timed(() -> inner.linearBackwardWeight(dw, db, x, dy), cols(x), cols(dy), rows(x));
    }

    @Override
    public void lmHeadForward(Tensor logits, Tensor x, Tensor wte) {
        timed(() -> inner.lmHeadForward(logits, x, wte), rows(x), rows(wte), cols(x));
    }

    @Override
    public void lmHeadBackwardInput(Tensor dx, Tensor dlogits, Tensor wte) {
        timed(() -> inner.lmHeadBackwardInput(dx, dlogits, wte), rows(dlogits), cols(wte), cols(dlogits));
    }

    @Override
    public void lmHeadBackwardWeight(Tensor dwte, Tensor dlogits, Tensor x) {
        timed(() -> inner.lmHeadBackwardWeight(dwte, dlogits, x), cols(dlogits), cols(x), rows(x));
    }

    @Override
    public void product(StridedMatrix c, StridedMatrix a, StridedMatrix b, int m, int n, int k, boolean accumulate) {
        inner.product(c, a, b, m, n, k, accumulate);
    }

    @Override
    public void exp(float[] x, int from, int n, float shift) {
        inner.exp(x, from, n, shift);
    }
}
