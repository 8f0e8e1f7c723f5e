package jdpo.nn;

import jdpo.tensor.Kernels;
import jdpo.tensor.Tensor;

/**
 * Causal multi-head self-attention, the part of GPT-2's attention between {@code c_attn} and
 * {@code c_proj}. For each head h and position t:
 * {@code att[t, t2] = softmax over t2 <= t of (q_t . k_t2 / sqrt(hs))},
 * {@code out[t] = sum over t2 <= t of att[t, t2] v_t2}.
 *
 * <p>Layout, as Hugging Face GPT-2 splits {@code c_attn}'s output {@code qkv [B, T, 3C]}:
 * q = columns {@code [0, C)}, k = {@code [C, 2C)}, v = {@code [2C, 3C)}, and head h owns columns
 * {@code [h*hs, (h+1)*hs)} of each, {@code hs = C / nHead}. The output concatenates the heads
 * the same way. Every output number is computed by one thread in a fixed order, so results do
 * not depend on the thread count at all.
 */
public final class Attention {
    private Attention() {}

    /**
     * @param k     the kernels, for their thread pool
     * @param out   [B, T, C], overwritten
     * @param att   B*nHead*T*T numbers ([B, nHead, T, T]), overwritten with the attention
     *              probabilities (0 above the diagonal), saved for the backward
     * @param qkv   [B, T, 3C]
     * @param nHead number of heads, dividing C
     */
    public static void forward(Kernels k, Tensor out, Tensor att, Tensor qkv, int nHead) {
        String op = "Attention.forward";
        int[] d = dims(op, qkv, nHead);
        int b = d[0], t = d[1], c = d[2], hs = c / nHead;
        Shapes.requireSize(op, "out [B, T, C]", out, (long) b * t * c);
        if (out.dim(-1) != c) throw new IllegalArgumentException(op + ": out's last dimension must be C = " + c);
        Shapes.requireSize(op, "att [B, nHead, T, T]", att, (long) b * nHead * t * t);
        // One task per (b, h, t): a row of att and a head's slice of out[b, t], nothing shared.
        int rows = b * nHead * t;
        if (k.parallel().isSerial()) forwardRows(0, rows, out, att, qkv, nHead);
        else k.parallel().forRange(rows, minChunk(t, hs), (from, to) -> forwardRows(from, to, out, att, qkv, nHead));
    }

    /** Rows {@code r = (b * nHead + h) * T + t} in {@code [from, to)} of att, and out[b, t]'s slice of head h. */
    static void forwardRows(int from, int to, Tensor out, Tensor att, Tensor qkv, int nHead) {
        int t = qkv.dim(1), c = qkv.dim(2) / 3, hs = c / nHead, c3 = 3 * c;
        float scale = (float) (1.0 / Math.sqrt(hs));
        float[] x = qkv.data, a = att.data, o = out.data;
        for (int r = from; r < to; r++) {
            int bi = r / (nHead * t), h = (r / t) % nHead, ti = r % t;
            int qRow = qkv.offset + (bi * t + ti) * c3 + h * hs;
            int aRow = att.offset + r * t;
            // preatt[t2] = q_t . k_t2 / sqrt(hs), for t2 <= t only (causal)
            for (int t2 = 0; t2 <= ti; t2++) {
                int kRow = qkv.offset + (bi * t + t2) * c3 + c + h * hs;
                float s = 0f;
                for (int i = 0; i < hs; i++) s += x[qRow + i] * x[kRow + i];
                a[aRow + t2] = s * scale;
            }
            Softmax.forward(a, aRow, ti + 1);
            for (int t2 = ti + 1; t2 < t; t2++) a[aRow + t2] = 0f;

            // out_t = sum over t2 <= t of att[t2] v_t2
            int oRow = out.offset + (bi * t + ti) * c + h * hs;
            for (int i = 0; i < hs; i++) o[oRow + i] = 0f;
            for (int t2 = 0; t2 <= ti; t2++) {
                float p = a[aRow + t2];
                int vRow = qkv.offset + (bi * t + t2) * c3 + 2 * c + h * hs;
                for (int i = 0; i < hs; i++) o[oRow + i] += p * x[vRow + i];
            }
        }
    }

    /**
     * With {@code p = att[t, .]} and {@code datt[t2] = dout_t . v_t2}:
     * {@code dv_t2 += p[t2] dout_t}, {@code dpreatt[t2] = p[t2] (datt[t2] - sum_j p[j] datt[j])},
     * {@code dq_t += sum_t2 dpreatt[t2] k_t2 / sqrt(hs)}, {@code dk_t2 += dpreatt[t2] q_t / sqrt(hs)}.
     *
     * @param k     the kernels, for their thread pool
     * @param dqkv  [B, T, 3C], accumulated
     * @param dout  [B, T, C]
     * @param qkv   the forward's input
     * @param att   the probabilities the forward saved
     * @param nHead number of heads
     */
    public static void backward(Kernels k, Tensor dqkv, Tensor dout, Tensor qkv, Tensor att, int nHead) {
        String op = "Attention.backward";
        int[] d = dims(op, qkv, nHead);
        int b = d[0], t = d[1], c = d[2], hs = c / nHead;
        Shapes.requireSameShape(op, "dqkv", dqkv, "qkv", qkv);
        Shapes.requireSize(op, "dout [B, T, C]", dout, (long) b * t * c);
        if (dout.dim(-1) != c) throw new IllegalArgumentException(op + ": dout's last dimension must be C = " + c);
        Shapes.requireSize(op, "att [B, nHead, T, T]", att, (long) b * nHead * t * t);
        // One task per (b, h): dk and dv of a position gather from every later position, so a
        // head is kept on one thread and no number is written by two threads.
        int heads = b * nHead;
        if (k.parallel().isSerial()) backwardHeads(0, heads, dqkv, dout, qkv, att, nHead);
        else k.parallel().forRange(heads, minChunk(t * t, hs), (from, to) -> backwardHeads(from, to, dqkv, dout, qkv, att, nHead));
    }

    /** The forward read bottom-up, for heads {@code bh = b * nHead + h} in {@code [from, to)}. */
    static void backwardHeads(int from, int to, Tensor dqkv, Tensor dout, Tensor qkv, Tensor att, int nHead) {
        int t = qkv.dim(1), c = qkv.dim(2) / 3, hs = c / nHead, c3 = 3 * c;
        float scale = (float) (1.0 / Math.sqrt(hs));
        float[] x = qkv.data, dx = dqkv.data, a = att.data, g = dout.data;
        float[] datt = new float[t];
        for (int bh = from; bh < to; bh++) {
            int bi = bh / nHead, h = bh % nHead;
            for (int ti = 0; ti < t; ti++) {
                int tok = bi * t + ti;
                int qRow = qkv.offset + tok * c3 + h * hs, dqRow = dqkv.offset + tok * c3 + h * hs;
                int gRow = dout.offset + tok * c + h * hs;
                int aRow = att.offset + (bh * t + ti) * t;
                // in the forward this was: out_t += att[t2] * v_t2
                // so now:                  datt[t2] = dout_t . v_t2,  dv_t2 += att[t2] * dout_t
                for (int t2 = 0; t2 <= ti; t2++) {
                    float p = a[aRow + t2];
                    int vRow = qkv.offset + (bi * t + t2) * c3 + 2 * c + h * hs;
                    int dvRow = dqkv.offset + (bi * t + t2) * c3 + 2 * c + h * hs;
                    float s = 0f;
                    for (int i = 0; i < hs; i++) {
                        s += g[gRow + i] * x[vRow + i];
                        dx[dvRow + i] += p * g[gRow + i];
                    }
                    datt[t2] = s;
                }
                // in the forward this was: att = softmax(preatt)
                // so now:                  dpreatt = att * (datt - sum_j att[j] datt[j]), in place
                Softmax.backward(datt, 0, datt, 0, a, aRow, ti + 1);
                // in the forward this was: preatt[t2] = q_t . k_t2 * scale
                // so now:                  dq_t += dpreatt[t2] * scale * k_t2,  dk_t2 += dpreatt[t2] * scale * q_t
                for (int t2 = 0; t2 <= ti; t2++) {
                    float ds = datt[t2] * scale;
                    int kRow = qkv.offset + (bi * t + t2) * c3 + c + h * hs;
                    int dkRow = dqkv.offset + (bi * t + t2) * c3 + c + h * hs;
                    for (int i = 0; i < hs; i++) {
                        dx[dqRow + i] += ds * x[kRow + i];
                        dx[dkRow + i] += ds * x[qRow + i];
                    }
                }
            }
        }
    }

    /** Checks qkv and nHead; returns {B, T, C}. */
    private static int[] dims(String op, Tensor qkv, int nHead) {
        Shapes.requireRank(op, "qkv", qkv, 3, "[B, T, 3C]");
        int c3 = qkv.dim(2);
        if (c3 % 3 != 0) throw new IllegalArgumentException(op + ": qkv's last dimension " + c3 + " is not 3C");
        int c = c3 / 3;
        if (nHead < 1 || c == 0 || c % nHead != 0) {
            throw new IllegalArgumentException(op + ": C = " + c + " is not divisible into " + nHead + " heads");
        }
        return new int[] {qkv.dim(0), qkv.dim(1), c};
    }

    /** Enough rows per thread that handing them over costs less than computing them. */
    private static int minChunk(int rowLength, int hs) {
        return Math.max(1, 8192 / Math.max(1, rowLength * hs));
    }
}
