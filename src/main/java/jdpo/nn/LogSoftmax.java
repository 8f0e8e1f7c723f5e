package jdpo.nn;

import jdpo.tensor.Tensor;

import static jdpo.tensor.MatrixShapes.cols;
import static jdpo.tensor.MatrixShapes.rows;

/**
 * Log-softmax over the last dimension: {@code logp_j = x_j - logsumexp(x)}, with the
 * log-sum-exp taken after subtracting the row max (and summed in double) so it never overflows.
 * Training needs only the target's entry of each row: {@link TokenLogProbs}, which carries the
 * gradient and takes its log-sum-exp with the kernels' float exponentials, a chunk at a time
 * (its tests hold it to {@link #logSumExp}, this one in double with {@link Math#exp}).
 */
public final class LogSoftmax {
    private LogSoftmax() {}

    /**
     * @param logp   [N.., V], overwritten (may be {@code logits} itself)
     * @param logits [N.., V]
     */
    public static void forward(Tensor logp, Tensor logits) {
        Shapes.requireSameShape("LogSoftmax.forward", "logp", logp, "logits", logits);
        int n = rows(logits), v = cols(logits);
        float[] x = logits.data, o = logp.data;
        for (int r = 0; r < n; r++) {
            int xRow = logits.offset + r * v, oRow = logp.offset + r * v;
            double lse = logSumExp(x, xRow, v);
            for (int j = 0; j < v; j++) o[oRow + j] = (float) (x[xRow + j] - lse);
        }
    }

    /** {@code log sum_j exp(x[from + j])} over {@code v} numbers, stable and summed in double. */
    public static double logSumExp(float[] x, int from, int v) {
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < v; j++) max = Math.max(max, x[from + j]);
        double sum = 0;
        for (int j = 0; j < v; j++) sum += Math.exp(x[from + j] - max);
        return max + Math.log(sum);
    }
}
