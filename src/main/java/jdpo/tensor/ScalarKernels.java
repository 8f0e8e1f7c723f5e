package jdpo.tensor;

import static jdpo.tensor.MatrixShapes.cols;
import static jdpo.tensor.MatrixShapes.require;
import static jdpo.tensor.MatrixShapes.rows;

/**
 * The readable specification of {@link Kernels}: plain loops, one output number at a time.
 *
 * <p>Each output is one chain of fused multiply-adds ({@link Math#fma}, one rounding per
 * product) started from its old value (backwards), the bias or zero (forwards), in increasing
 * order of the summed index. That is exactly the order {@link VectorKernels} uses, so both give
 * the same bits and a debugger stopped in one of these loops shows the numbers the fast path
 * computes. (The bias gradient is the exception in both: a plain sum of the rows from zero,
 * then added to {@code db}.)
 *
 * <p>Every loop body is a named method over a range of output rows ({@code ...Rows(from, to,
 * ...)}). With one thread it is called directly, so stepping in from the model passes named
 * frames only; with more, {@link Parallel} hands each thread its own rows.
 */
public final class ScalarKernels implements Kernels {
    private final Parallel parallel;

    public ScalarKernels(Parallel parallel) {
        this.parallel = parallel;
    }

    /**
     * The readable kernels on the calling thread alone: what the ops' overloads without a
     * {@code Kernels} argument ({@code Gelu.forward(out, x)}, ...) run on.
     */
    public static final Kernels SERIAL = new ScalarKernels(Parallel.SERIAL);

    @Override
    public String name() { return "scalar"; }

    @Override
    public Parallel parallel() { return parallel; }

    @Override
    public void linearForward(Tensor y, Tensor x, Tensor w, Tensor b) {
        int m = rows(x), k = cols(x), n = cols(w);
        require("linearForward", "w", w, k, n);
        require("linearForward", "y", y, m, n);
        if (b != null) require("linearForward", "b", b, 1, n);
        if (parallel.isSerial()) linearForwardRows(0, m, y, x, w, b);
        else parallel.forRange(m, (from, to) -> linearForwardRows(from, to, y, x, w, b));
    }

    /** {@code y[i, j] = b[j] + sum_p x[i, p] w[p, j]} for rows {@code i} in {@code [from, to)}. */
    static void linearForwardRows(int from, int to, Tensor y, Tensor x, Tensor w, Tensor b) {
        int k = cols(x), n = cols(w);
        for (int i = from; i < to; i++) {
            for (int j = 0; j < n; j++) {
                float sum = b == null ? 0f : b.data[b.offset + j];
                for (int p = 0; p < k; p++) {
                    sum = Math.fma(x.data[x.offset + i * k + p], w.data[w.offset + p * n + j], sum);
                }
                y.data[y.offset + i * n + j] = sum;
            }
        }
    }

    @Override
    public void linearBackwardInput(Tensor dx, Tensor dy, Tensor w) {
        int m = rows(dy), n = cols(dy), k = rows(w);
        require("linearBackwardInput", "w", w, k, n);
        require("linearBackwardInput", "dx", dx, m, k);
        if (parallel.isSerial()) linearBackwardInputRows(0, m, dx, dy, w);
        else parallel.forRange(m, (from, to) -> linearBackwardInputRows(from, to, dx, dy, w));
    }

    /** {@code dx[i, p] += sum_j dy[i, j] w[p, j]} for rows {@code i} in {@code [from, to)}. */
    static void linearBackwardInputRows(int from, int to, Tensor dx, Tensor dy, Tensor w) {
        int n = cols(dy), k = rows(w);
        for (int i = from; i < to; i++) {
            for (int p = 0; p < k; p++) {
                float sum = dx.data[dx.offset + i * k + p];
                for (int j = 0; j < n; j++) {
                    sum = Math.fma(dy.data[dy.offset + i * n + j], w.data[w.offset + p * n + j], sum);
                }
                dx.data[dx.offset + i * k + p] = sum;
            }
        }
    }

    @Override
    public void linearBackwardWeight(Tensor dw, Tensor db, Tensor x, Tensor dy) {
        int m = rows(x), k = cols(x), n = cols(dy);
        require("linearBackwardWeight", "dy", dy, m, n);
        require("linearBackwardWeight", "dw", dw, k, n);
        if (db != null) require("linearBackwardWeight", "db", db, 1, n);
        // Each thread owns whole rows p of dw, so no two threads write the same number.
        if (parallel.isSerial()) linearBackwardWeightRows(0, k, dw, x, dy);
        else parallel.forRange(k, (from, to) -> linearBackwardWeightRows(from, to, dw, x, dy));
        if (db != null) biasBackward(db, dy);
    }

    /** {@code dw[p, j] += sum_i x[i, p] dy[i, j]} for rows {@code p} of dw in {@code [from, to)}. */
    static void linearBackwardWeightRows(int from, int to, Tensor dw, Tensor x, Tensor dy) {
        int m = rows(x), k = cols(x), n = cols(dy);
        for (int p = from; p < to; p++) {
            for (int j = 0; j < n; j++) {
                float sum = dw.data[dw.offset + p * n + j];
                for (int i = 0; i < m; i++) {
                    sum = Math.fma(x.data[x.offset + i * k + p], dy.data[dy.offset + i * n + j], sum);
                }
                dw.data[dw.offset + p * n + j] = sum;
            }
        }
    }

    /** {@code db[j] += sum_i dy[i, j]}: the rows summed from zero in order, then added. */
    static void biasBackward(Tensor db, Tensor dy) {
        int m = rows(dy), n = cols(dy);
        for (int j = 0; j < n; j++) {
            float sum = 0f;
            for (int i = 0; i < m; i++) sum += dy.data[dy.offset + i * n + j];
            db.data[db.offset + j] += sum;
        }
    }

    @Override
    public void lmHeadForward(Tensor logits, Tensor x, Tensor wte) {
        int m = rows(x), c = cols(x), v = rows(wte);
        require("lmHeadForward", "wte", wte, v, c);
        require("lmHeadForward", "logits", logits, m, v);
        if (parallel.isSerial()) lmHeadForwardRows(0, m, logits, x, wte);
        else parallel.forRange(m, (from, to) -> lmHeadForwardRows(from, to, logits, x, wte));
    }

    /** {@code logits[i, t] = sum_p x[i, p] wte[t, p]} for rows {@code i} in {@code [from, to)}. */
    static void lmHeadForwardRows(int from, int to, Tensor logits, Tensor x, Tensor wte) {
        int c = cols(x), v = rows(wte);
        for (int i = from; i < to; i++) {
            for (int t = 0; t < v; t++) {
                float sum = 0f;
                for (int p = 0; p < c; p++) {
                    sum = Math.fma(x.data[x.offset + i * c + p], wte.data[wte.offset + t * c + p], sum);
                }
                logits.data[logits.offset + i * v + t] = sum;
            }
        }
    }

    @Override
    public void lmHeadBackwardInput(Tensor dx, Tensor dlogits, Tensor wte) {
        int m = rows(dlogits), v = cols(dlogits), c = cols(wte);
        require("lmHeadBackwardInput", "wte", wte, v, c);
        require("lmHeadBackwardInput", "dx", dx, m, c);
        if (parallel.isSerial()) lmHeadBackwardInputRows(0, m, dx, dlogits, wte);
        else parallel.forRange(m, (from, to) -> lmHeadBackwardInputRows(from, to, dx, dlogits, wte));
    }

    /** {@code dx[i, p] += sum_t dlogits[i, t] wte[t, p]} for rows {@code i} in {@code [from, to)}. */
    static void lmHeadBackwardInputRows(int from, int to, Tensor dx, Tensor dlogits, Tensor wte) {
        int v = cols(dlogits), c = cols(wte);
        for (int i = from; i < to; i++) {
            for (int p = 0; p < c; p++) {
                float sum = dx.data[dx.offset + i * c + p];
                for (int t = 0; t < v; t++) {
                    sum = Math.fma(dlogits.data[dlogits.offset + i * v + t], wte.data[wte.offset + t * c + p], sum);
                }
                dx.data[dx.offset + i * c + p] = sum;
            }
        }
    }

    @Override
    public void lmHeadBackwardWeight(Tensor dwte, Tensor dlogits, Tensor x) {
        int m = rows(x), c = cols(x), v = cols(dlogits);
        require("lmHeadBackwardWeight", "dlogits", dlogits, m, v);
        require("lmHeadBackwardWeight", "dwte", dwte, v, c);
        // Each thread owns whole rows t of dwte (one token's embedding each).
        if (parallel.isSerial()) lmHeadBackwardWeightRows(0, v, dwte, dlogits, x);
        else parallel.forRange(v, (from, to) -> lmHeadBackwardWeightRows(from, to, dwte, dlogits, x));
    }

    /** {@code dwte[t, p] += sum_i dlogits[i, t] x[i, p]} for rows {@code t} of dwte in {@code [from, to)}. */
    static void lmHeadBackwardWeightRows(int from, int to, Tensor dwte, Tensor dlogits, Tensor x) {
        int m = rows(x), c = cols(x), v = cols(dlogits);
        for (int t = from; t < to; t++) {
            for (int p = 0; p < c; p++) {
                float sum = dwte.data[dwte.offset + t * c + p];
                for (int i = 0; i < m; i++) {
                    sum = Math.fma(dlogits.data[dlogits.offset + i * v + t], x.data[x.offset + i * c + p], sum);
                }
                dwte.data[dwte.offset + t * c + p] = sum;
            }
        }
    }

    @Override
    public void product(StridedMatrix c, StridedMatrix a, StridedMatrix b, int m, int n, int k, boolean accumulate) {
        if (!accumulate) {
            for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) c.set(i, j, 0f);
        }
        // C[i, j] += sum_p A[i, p] B[p, j], one fma chain in increasing p: the loop that
        // BlockedMatmul is tested against.
        BlockedMatmul.reference(c, a, b, m, n, k);
    }

    @Override
    public void exp(float[] x, int from, int n, float shift) {
        Exp.shiftedScalar(x, from, n, shift);
    }
}
