package jdpo.nn;

import jdpo.tensor.Kernels;
import jdpo.tensor.ScalarKernels;
import jdpo.tensor.Tensor;

import static jdpo.tensor.MatrixShapes.cols;
import static jdpo.tensor.MatrixShapes.rows;

/**
 * Softmax, {@code p_j = exp(z_j - max z) / sum_k exp(z_k - max z)}: the one softmax of the
 * model. Attention's rows (in training and in the cached decoder) call the row methods; the
 * tensor method turns a model's logits into probabilities.
 */
public final class Softmax {
    private Softmax() {}

    /**
     * Over the last dimension.
     *
     * @param probs  [N.., V], overwritten (may be {@code logits} itself)
     * @param logits [N.., V]
     */
    public static void forward(Tensor probs, Tensor logits) {
        Shapes.requireSameShape("Softmax.forward", "probs", probs, "logits", logits);
        int n = rows(logits), v = cols(logits);
        for (int r = 0; r < n; r++) {
            int xRow = logits.offset + r * v, pRow = probs.offset + r * v;
            if (probs.data != logits.data || pRow != xRow) System.arraycopy(logits.data, xRow, probs.data, pRow, v);
            forward(probs.data, pRow, v);
        }
    }


    /** In place: {@code x[from .. from+n)} holds the logits {@code z} on entry and {@code p} on return. */
    public static void forward(float[] x, int from, int n) {
        forward(ScalarKernels.SERIAL, x, from, n);
    }

    /** The same, with the exponentials from {@code k} (the vector kernels take a vector of them at a time). */
    public static void forward(Kernels k, float[] x, int from, int n) {
        // Subtracting the max keeps exp from overflowing and changes nothing else.
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) max = Math.max(max, x[from + j]);
        k.exp(x, from, n, max);
        double sum = 0;
        for (int j = 0; j < n; j++) sum += x[from + j];
        float inv = (float) (1.0 / sum);
        for (int j = 0; j < n; j++) x[from + j] *= inv;
    }

    /**
     * In the forward this was {@code p = softmax(z)}; so now
     * {@code dz_j = p_j (dp_j - sum_k p_k dp_k)}, written over {@code dz} (which may be {@code dp}
     * itself: each {@code dp_j} is read before {@code dz_j} is written).
     */
    public static void backward(float[] dz, int dzFrom, float[] dp, int dpFrom, float[] p, int pFrom, int n) {
        double dot = 0;
        for (int j = 0; j < n; j++) dot += p[pFrom + j] * dp[dpFrom + j];
        float mean = (float) dot;
        for (int j = 0; j < n; j++) dz[dzFrom + j] = p[pFrom + j] * (dp[dpFrom + j] - mean);
    }
}
