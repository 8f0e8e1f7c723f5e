package jdpo.nn;

import jdpo.tensor.Parallel;
import jdpo.tensor.Tensor;

import static jdpo.tensor.MatrixShapes.cols;
import static jdpo.tensor.MatrixShapes.require;
import static jdpo.tensor.MatrixShapes.rows;

/**
 * The log-probability a model gives to each target token:
 * {@code logp[n] = log softmax(logits[n])[targets[n]] = logits[n, y] - logsumexp(logits[n])}.
 * DPO's sequence log-probs and the cross-entropy loss are sums of these. A negative target
 * marks a row to ignore (padding, prompt): its log-prob is 0 and it receives no gradient.
 *
 * <p>Only one number per row is kept; the backward recomputes the softmax from the logits
 * rather than storing {@code [N, V]} probabilities.
 */
public final class TokenLogProbs {
    private TokenLogProbs() {}

    /**
     * @param logp    N numbers, overwritten
     * @param logits  [N.., V], read as N rows
     * @param targets N token ids in [0, V), or negative to ignore the row
     */
    public static void forward(float[] logp, Tensor logits, int[] targets) {
        forward(Parallel.SERIAL, logp, logits, targets);
    }

    /** {@link #forward(float[], Tensor, int[])} with rows split over {@code par}. */
    public static void forward(Parallel par, float[] logp, Tensor logits, int[] targets) {
        String op = "TokenLogProbs.forward";
        int n = rows(logits), v = cols(logits);
        Shapes.requireTargets(op, targets, n, v);
        if (logp.length != n) throw new IllegalArgumentException(op + ": logp has " + logp.length + " entries for " + n + " rows");
        if (par.isSerial()) forwardRows(0, n, logp, logits, targets);
        else par.forRange(n, minChunk(v), (from, to) -> forwardRows(from, to, logp, logits, targets));
    }

    /** {@code logp[r] = logits[r, y_r] - logsumexp(logits[r])} for rows {@code r} in {@code [from, to)}. */
    static void forwardRows(int from, int to, float[] logp, Tensor logits, int[] targets) {
        int v = cols(logits);
        for (int r = from; r < to; r++) {
            int y = targets[r];
            if (y < 0) {
                logp[r] = 0f;
                continue;
            }
            int row = logits.offset + r * v;
            logp[r] = (float) (logits.data[row + y] - LogSoftmax.logSumExp(logits.data, row, v));
        }
    }

    /**
     * For every row n not ignored: {@code dlogits[n, j] += dlogp[n] * (1[j == y_n] - softmax(logits[n])_j)}.
     *
     * @param dlogits [N.., V], accumulated
     * @param logits  the forward's input
     * @param targets the forward's targets
     * @param dlogp   N numbers: the gradient of the loss with respect to each logp[n]
     */
    public static void backward(Tensor dlogits, Tensor logits, int[] targets, float[] dlogp) {
        backward(Parallel.SERIAL, dlogits, logits, targets, dlogp);
    }

    /** {@link #backward(Tensor, Tensor, int[], float[])} with rows split over {@code par}. */
    public static void backward(Parallel par, Tensor dlogits, Tensor logits, int[] targets, float[] dlogp) {
        String op = "TokenLogProbs.backward";
        int n = rows(logits), v = cols(logits);
        Shapes.requireTargets(op, targets, n, v);
        require(op, "dlogits", dlogits, n, v);
        if (dlogp.length != n) throw new IllegalArgumentException(op + ": dlogp has " + dlogp.length + " entries for " + n + " rows");
        if (par.isSerial()) backwardRows(0, n, dlogits, logits, targets, dlogp);
        else par.forRange(n, minChunk(v), (from, to) -> backwardRows(from, to, dlogits, logits, targets, dlogp));
    }

    /** The backward for rows {@code r} in {@code [from, to)}. */
    static void backwardRows(int from, int to, Tensor dlogits, Tensor logits, int[] targets, float[] dlogp) {
        int v = cols(logits);
        float[] x = logits.data, d = dlogits.data;
        for (int r = from; r < to; r++) {
            int y = targets[r];
            if (y < 0) continue;
            int row = logits.offset + r * v, dRow = dlogits.offset + r * v;
            // in the forward this was: logp = logits[y] - logsumexp(logits)
            // so now:                  dlogits[j] -= dlogp * softmax(logits)_j  (the logsumexp)
            //                          dlogits[y] += dlogp                      (the picked logit)
            double lse = LogSoftmax.logSumExp(x, row, v);
            float g = dlogp[r];
            for (int j = 0; j < v; j++) d[dRow + j] -= g * (float) Math.exp(x[row + j] - lse);
            d[dRow + y] += g;
        }
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
