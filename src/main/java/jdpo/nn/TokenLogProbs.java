package jdpo.nn;

import jdpo.tensor.Kernels;
import jdpo.tensor.Parallel;
import jdpo.tensor.ScalarKernels;
import jdpo.tensor.Tensor;

import java.util.Arrays;

import static jdpo.tensor.MatrixShapes.cols;
import static jdpo.tensor.MatrixShapes.require;
import static jdpo.tensor.MatrixShapes.rows;

/**
 * The log-probability a model gives to each target token:
 * {@code logp[n] = log softmax(logits[n])[targets[n]] = logits[n, y] - logsumexp(logits[n])}.
 * DPO's sequence log-probs and the cross-entropy loss are sums of these. A negative target
 * marks a row to ignore (padding, prompt): its log-prob is 0 and it receives no gradient.
 *
 * <p>Only one number per row is kept, its log-sum-exp; the backward recomputes the softmax from
 * the logits and that number rather than storing {@code [N, V]} probabilities. The exponentials
 * come from {@link Kernels#exp} (float, a vector at a time in the vector kernels), summed in
 * double.
 */
public final class TokenLogProbs {
    private TokenLogProbs() {}

    /** Logits per call to {@link Kernels#exp}: a scratch row that stays in L1. */
    private static final int CHUNK = 1024;

    /**
     * On the calling thread alone, with the scalar exponential.
     *
     * @param logp    N numbers, overwritten
     * @param logits  [N.., V], read as N rows
     * @param targets N token ids in [0, V), or negative to ignore the row
     */
    public static void forward(float[] logp, Tensor logits, int[] targets) {
        forward(ScalarKernels.SERIAL, logp, null, logits, targets);
    }

    /**
     * {@link #forward(float[], Tensor, int[])} with rows split over the kernels' threads and the
     * exponentials from the kernels (a vector of them at a time, or not: the same bits).
     *
     * @param lse N numbers, each row's {@code logsumexp(logits[n])} for the backward to reuse
     *            (NaN where the row is ignored); or null
     */
    public static void forward(Kernels k, float[] logp, double[] lse, Tensor logits, int[] targets) {
        String op = "TokenLogProbs.forward";
        int n = rows(logits), v = cols(logits);
        Shapes.requireTargets(op, targets, n, v);
        requireRows(op, "logp", logp.length, n);
        if (lse != null) requireRows(op, "lse", lse.length, n);
        Parallel par = k.parallel();
        if (par.isSerial()) forwardRows(0, n, k, logp, lse, logits, targets);
        else par.forRange(n, minChunk(v), (from, to) -> forwardRows(from, to, k, logp, lse, logits, targets));
    }

    /** {@code logp[r] = logits[r, y_r] - logsumexp(logits[r])} for rows {@code r} in {@code [from, to)}. */
    static void forwardRows(int from, int to, Kernels k, float[] logp, double[] lse, Tensor logits, int[] targets) {
        int v = cols(logits);
        float[] scratch = new float[Math.min(CHUNK, v)];
        for (int r = from; r < to; r++) {
            int y = targets[r];
            if (y < 0) {
                logp[r] = 0f;
                if (lse != null) lse[r] = Double.NaN;
                continue;
            }
            int row = logits.offset + r * v;
            double rowLse = logSumExp(k, logits.data, row, v, scratch);
            logp[r] = (float) (logits.data[row + y] - rowLse);
            if (lse != null) lse[r] = rowLse;
        }
    }

    /**
     * {@code log sum_j e^(x[from + j])} over {@code v} numbers: the maximum first, so that no
     * exponential overflows, then {@code e^(x - max)} a {@code scratch}-sized chunk at a time by
     * the kernels, summed in double.
     */
    static double logSumExp(Kernels k, float[] x, int from, int v, float[] scratch) {
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < v; j++) max = Math.max(max, x[from + j]);
        double sum = 0;
        for (int j0 = 0; j0 < v; j0 += scratch.length) {
            int len = Math.min(scratch.length, v - j0);
            System.arraycopy(x, from + j0, scratch, 0, len);
            k.exp(scratch, 0, len, max);
            for (int j = 0; j < len; j++) sum += scratch[j];
        }
        return max + Math.log(sum);
    }

    /**
     * On the calling thread alone, with the scalar exponential: for every row n not ignored,
     * {@code dlogits[n, j] += dlogp[n] * (1[j == y_n] - softmax(logits[n])_j)}.
     *
     * @param dlogits [N.., V], accumulated
     * @param logits  the forward's input
     * @param targets the forward's targets
     * @param dlogp   N numbers: the gradient of the loss with respect to each logp[n]
     */
    public static void backward(Tensor dlogits, Tensor logits, int[] targets, float[] dlogp) {
        backward(ScalarKernels.SERIAL, dlogits, logits, targets, dlogp, null);
    }

    /**
     * {@link #backward(Tensor, Tensor, int[], float[])} with rows split over the kernels' threads.
     *
     * @param lse the forward's log-sum-exps of the same logits, or null to compute them again
     */
    public static void backward(Kernels k, Tensor dlogits, Tensor logits, int[] targets, float[] dlogp, double[] lse) {
        String op = "TokenLogProbs.backward";
        int n = rows(logits), v = cols(logits);
        Shapes.requireTargets(op, targets, n, v);
        require(op, "dlogits", dlogits, n, v);
        requireRows(op, "dlogp", dlogp.length, n);
        if (lse != null) requireRows(op, "lse", lse.length, n);
        rowsOfBackward(k, dlogits, logits, targets, dlogp, lse, false);
    }

    /**
     * The same gradient written over the logits themselves: each row of {@code logits} becomes
     * what {@link #backward(Kernels, Tensor, Tensor, int[], float[], double[])} would add to a row
     * of zeros (an ignored row becomes zeros). For a caller that needs nothing else of the logits
     * afterwards: no second buffer of their size.
     */
    public static void backwardOverLogits(Kernels k, Tensor logits, int[] targets, float[] dlogp, double[] lse) {
        String op = "TokenLogProbs.backwardOverLogits";
        int n = rows(logits), v = cols(logits);
        Shapes.requireTargets(op, targets, n, v);
        requireRows(op, "dlogp", dlogp.length, n);
        if (lse != null) requireRows(op, "lse", lse.length, n);
        rowsOfBackward(k, logits, logits, targets, dlogp, lse, true);
    }

    private static void rowsOfBackward(Kernels k, Tensor dlogits, Tensor logits, int[] targets, float[] dlogp, double[] lse,
                                       boolean overwrite) {
        int n = rows(logits), v = cols(logits);
        Parallel par = k.parallel();
        if (par.isSerial()) backwardRows(0, n, k, dlogits, logits, targets, dlogp, lse, overwrite);
        else par.forRange(n, minChunk(v), (from, to) -> backwardRows(from, to, k, dlogits, logits, targets, dlogp, lse, overwrite));
    }

    /**
     * The backward for rows {@code r} in {@code [from, to)}, added to {@code dlogits} or, with
     * {@code overwrite}, written over it from zero ({@code dlogits} may then be {@code logits}:
     * each chunk of a row is read before it is written).
     */
    static void backwardRows(int from, int to, Kernels k, Tensor dlogits, Tensor logits, int[] targets, float[] dlogp,
                             double[] lse, boolean overwrite) {
        int v = cols(logits);
        float[] x = logits.data, d = dlogits.data, p = new float[Math.min(CHUNK, v)];
        for (int r = from; r < to; r++) {
            int y = targets[r];
            int row = logits.offset + r * v, dRow = dlogits.offset + r * v;
            if (y < 0) {
                if (overwrite) Arrays.fill(d, dRow, dRow + v, 0f);
                continue;
            }
            // in the forward this was: logp = logits[y] - logsumexp(logits)
            // so now:                  dlogits[j] -= dlogp * softmax(logits)_j  (the logsumexp)
            //                          dlogits[y] += dlogp                      (the picked logit)
            // with softmax(logits)_j = e^(logits[j] - logsumexp(logits)).
            float shift = (float) (lse != null ? lse[r] : logSumExp(k, x, row, v, p));
            float g = dlogp[r];
            for (int j0 = 0; j0 < v; j0 += p.length) {
                int len = Math.min(p.length, v - j0);
                System.arraycopy(x, row + j0, p, 0, len);
                k.exp(p, 0, len, shift);
                for (int j = 0; j < len; j++) {
                    float before = overwrite ? 0f : d[dRow + j0 + j];
                    d[dRow + j0 + j] = before - g * p[j];
                }
            }
            d[dRow + y] += g;
        }
    }

    /** One number per row: {@code length} must be {@code n}. */
    private static void requireRows(String op, String name, int length, int n) {
        if (length != n) throw new IllegalArgumentException(op + ": " + name + " has " + length + " entries for " + n + " rows");
    }

    /**
     * The shift of a language model's targets: position {@code t} is scored on the token that
     * follows it, {@code targets[t] = ids[t + 1]} for {@code t} in {@code [from, to - 1)}. The
     * rest of {@code targets} is left as it is (the caller marks it ignored, negative).
     * To score a response after a prompt, {@code from} is the prompt's last position.
     */
    public static void nextTokenTargets(int[] ids, int[] targets, int from, int to) {
        for (int t = from; t + 1 < to; t++) targets[t] = ids[t + 1];
    }

    private static int minChunk(int v) {
        return Math.max(1, 8192 / Math.max(1, v));
    }
}
