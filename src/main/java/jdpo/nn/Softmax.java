package jdpo.nn;

import jdpo.tensor.Tensor;

import static jdpo.tensor.MatrixShapes.cols;
import static jdpo.tensor.MatrixShapes.rows;

/** Softmax over the last dimension: {@code p_j = exp(x_j - max x) / sum_k exp(x_k - max x)}. */
public final class Softmax {
    private Softmax() {}

    /**
     * @param probs  [N.., V], overwritten (may be {@code logits} itself)
     * @param logits [N.., V]
     */
    public static void forward(Tensor probs, Tensor logits) {
        Shapes.requireSameShape("Softmax.forward", "probs", probs, "logits", logits);
        int n = rows(logits), v = cols(logits);
        float[] x = logits.data, p = probs.data;
        for (int r = 0; r < n; r++) {
            int xRow = logits.offset + r * v, pRow = probs.offset + r * v;
            // Subtracting the row max keeps exp from overflowing and changes nothing else.
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < v; j++) max = Math.max(max, x[xRow + j]);
            double sum = 0;
            for (int j = 0; j < v; j++) {
                float e = (float) Math.exp(x[xRow + j] - max);
                p[pRow + j] = e;
                sum += e;
            }
            float inv = (float) (1.0 / sum);
            for (int j = 0; j < v; j++) p[pRow + j] *= inv;
        }
    }

    /**
     * {@code dlogits_j += p_j (dprobs_j - sum_k p_k dprobs_k)}.
     *
     * @param dlogits [N.., V], accumulated
     * @param dprobs  [N.., V]
     * @param probs   the forward's output
     */
    public static void backward(Tensor dlogits, Tensor dprobs, Tensor probs) {
        Shapes.requireSameShape("Softmax.backward", "dlogits", dlogits, "probs", probs);
        Shapes.requireSameShape("Softmax.backward", "dprobs", dprobs, "probs", probs);
        int n = rows(probs), v = cols(probs);
        float[] p = probs.data, g = dprobs.data, d = dlogits.data;
        for (int r = 0; r < n; r++) {
            int pRow = probs.offset + r * v, gRow = dprobs.offset + r * v, dRow = dlogits.offset + r * v;
            double dot = 0;
            for (int j = 0; j < v; j++) dot += p[pRow + j] * g[gRow + j];
            float mean = (float) dot;
            for (int j = 0; j < v; j++) d[dRow + j] += p[pRow + j] * (g[gRow + j] - mean);
        }
    }
}
