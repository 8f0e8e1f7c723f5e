package jdpo.tensor;

import jdk.incubator.vector.FloatVector;

import static jdpo.tensor.MatrixShapes.cols;
import static jdpo.tensor.MatrixShapes.require;
import static jdpo.tensor.MatrixShapes.rows;

/**
 * {@link Kernels} on the Vector API ({@code jdk.incubator.vector}). Each of the six products is
 * one {@code C (+)= A B} of {@link BlockedMatmul}, the transposes being stride swaps:
 *
 * <pre>
 *   linearForward         y  [M,N]  = b + x [M,K] w [K,N]
 *   linearBackwardInput   dx [M,K] += dy [M,N] (w [K,N])^T
 *   linearBackwardWeight  dw [K,N] += (x [M,K])^T dy [M,N]          db += column sums of dy
 *   lmHeadForward     logits [M,V]  = x [M,C] (wte [V,C])^T
 *   lmHeadBackwardInput   dx [M,C] += dlogits [M,V] wte [V,C]
 *   lmHeadBackwardWeight dwte[V,C] += (dlogits [M,V])^T x [M,C]
 * </pre>
 *
 * <p>Each output number is one chain of fused multiply-adds in the order of the sum, started from
 * its old value, the bias or zero, exactly as {@link ScalarKernels} computes it: the two give the
 * same bits, whatever the thread count.
 */
public final class VectorKernels implements Kernels {
    private final Parallel parallel;
    private final BlockedMatmul matmul;

    public VectorKernels(Parallel parallel) {
        this(parallel, BlockedMatmul.DEFAULT);
    }

    /** With other cache blocking: tests use tiny blocks so small shapes cross every boundary. */
    VectorKernels(Parallel parallel, BlockedMatmul.Blocking blocking) {
        this.parallel = parallel;
        this.matmul = new BlockedMatmul(blocking);
    }

    @Override
    public String name() { return "vector"; }

    @Override
    public Parallel parallel() { return parallel; }

    /** Bits per vector register the kernels use (256 or 512 on x86). */
    public static int vectorBits() { return BlockedMatmul.S.vectorBitSize(); }

    @Override
    public void linearForward(Tensor y, Tensor x, Tensor w, Tensor b) {
        int m = rows(x), k = cols(x), n = cols(w);
        require("linearForward", "w", w, k, n);
        require("linearForward", "y", y, m, n);
        if (b != null) require("linearForward", "b", b, 1, n);
        matmul.overwrite(parallel, StridedMatrix.of(y), StridedMatrix.of(x), StridedMatrix.of(w), m, n, k,
                b == null ? null : b.data, b == null ? 0 : b.offset);
    }

    @Override
    public void linearBackwardInput(Tensor dx, Tensor dy, Tensor w) {
        int m = rows(dy), n = cols(dy), k = rows(w);
        require("linearBackwardInput", "w", w, k, n);
        require("linearBackwardInput", "dx", dx, m, k);
        matmul.accumulate(parallel, StridedMatrix.of(dx), StridedMatrix.of(dy), StridedMatrix.transposeOf(w), m, k, n);
    }

    @Override
    public void linearBackwardWeight(Tensor dw, Tensor db, Tensor x, Tensor dy) {
        int m = rows(x), k = cols(x), n = cols(dy);
        require("linearBackwardWeight", "dy", dy, m, n);
        require("linearBackwardWeight", "dw", dw, k, n);
        if (db != null) require("linearBackwardWeight", "db", db, 1, n);
        matmul.accumulate(parallel, StridedMatrix.of(dw), StridedMatrix.transposeOf(x), StridedMatrix.of(dy), k, n, m);
        if (db != null) columnSums(db, dy, m, n);
    }

    /** {@code db[j] += sum_i dy[i, j]}, a vector of columns per task. */
    private void columnSums(Tensor db, Tensor dy, int m, int n) {
        int vectors = BlockedMatmul.ceilDiv(n, BlockedMatmul.L);
        if (parallel.isSerial()) columnSumVectors(0, vectors, db, dy, m, n);
        else parallel.forRange(vectors, 1, (from, to) -> columnSumVectors(from, to, db, dy, m, n));
    }

    /**
     * Columns {@code [from * L, to * L)} of {@code db += column sums of dy}, each sum from zero in
     * row order and then added, as {@link ScalarKernels#biasBackward} does it. The rows are read
     * front to back, each adding its part into the running sums (a few KB, in L1): reading down
     * the columns instead, a vector from every row in turn, took a tenth of a weight gradient's
     * time at GPT-2 shapes.
     */
    private static void columnSumVectors(int from, int to, Tensor db, Tensor dy, int m, int n) {
        float[] dbd = db.data, dyd = dy.data;
        int vl = BlockedMatmul.L;
        int j0 = from * vl, j1 = Math.min(n, to * vl), whole = j0 + (j1 - j0) / vl * vl;
        float[] sums = new float[j1 - j0];
        for (int i = 0; i < m; i++) {
            int row = dy.offset + i * n;
            for (int j = j0; j < whole; j += vl) {
                FloatVector.fromArray(BlockedMatmul.S, sums, j - j0).add(FloatVector.fromArray(BlockedMatmul.S, dyd, row + j))
                        .intoArray(sums, j - j0);
            }
            for (int j = whole; j < j1; j++) sums[j - j0] += dyd[row + j];
        }
        for (int j = j0; j < j1; j++) dbd[db.offset + j] += sums[j - j0];
    }

    @Override
    public void lmHeadForward(Tensor logits, Tensor x, Tensor wte) {
        int m = rows(x), c = cols(x), v = rows(wte);
        require("lmHeadForward", "wte", wte, v, c);
        require("lmHeadForward", "logits", logits, m, v);
        matmul.overwrite(parallel, StridedMatrix.of(logits), StridedMatrix.of(x), StridedMatrix.transposeOf(wte),
                m, v, c, null, 0);
    }

    @Override
    public void lmHeadBackwardInput(Tensor dx, Tensor dlogits, Tensor wte) {
        int m = rows(dlogits), v = cols(dlogits), c = cols(wte);
        require("lmHeadBackwardInput", "wte", wte, v, c);
        require("lmHeadBackwardInput", "dx", dx, m, c);
        matmul.accumulate(parallel, StridedMatrix.of(dx), StridedMatrix.of(dlogits), StridedMatrix.of(wte), m, c, v);
    }

    @Override
    public void lmHeadBackwardWeight(Tensor dwte, Tensor dlogits, Tensor x) {
        int m = rows(x), c = cols(x), v = cols(dlogits);
        require("lmHeadBackwardWeight", "dlogits", dlogits, m, v);
        require("lmHeadBackwardWeight", "dwte", dwte, v, c);
        matmul.accumulate(parallel, StridedMatrix.of(dwte), StridedMatrix.transposeOf(dlogits), StridedMatrix.of(x),
                v, c, m);
    }

    @Override
    public void product(StridedMatrix c, StridedMatrix a, StridedMatrix b, int m, int n, int k, boolean accumulate) {
        if (accumulate) matmul.accumulate(Parallel.SERIAL, c, a, b, m, n, k);
        else matmul.overwrite(Parallel.SERIAL, c, a, b, m, n, k, null, 0);
    }

    @Override
    public void exp(float[] x, int from, int n, float shift) {
        Exp.shifted(x, from, n, shift);
    }
}
