package jdpo.nn;

import jdpo.tensor.Tensor;

import static jdpo.tensor.MatrixShapes.require;
import static jdpo.tensor.MatrixShapes.rows;

/**
 * Token plus position embedding, GPT-2's first layer:
 * {@code out[b, t] = wte[ids[b, t]] + wpe[t]}, positions counted from 0 in every row.
 */
public final class Embedding {
    private Embedding() {}

    /**
     * @param out [B, T, C], overwritten
     * @param ids B*T token ids, row-major (b, t), each in [0, V)
     * @param wte token embedding [V, C]
     * @param wpe position embedding [maxT, C], maxT &ge; T
     */
    public static void forward(Tensor out, int[] ids, Tensor wte, Tensor wpe) {
        int[] btc = check("Embedding.forward", out, ids, wte, wpe);
        int bt = btc[0] * btc[1], t = btc[1], c = btc[2];
        float[] o = out.data, e = wte.data, p = wpe.data;
        for (int i = 0; i < bt; i++) {
            int oRow = out.offset + i * c, eRow = wte.offset + ids[i] * c, pRow = wpe.offset + (i % t) * c;
            for (int j = 0; j < c; j++) o[oRow + j] = e[eRow + j] + p[pRow + j];
        }
    }

    /**
     * {@code dwte[ids[b, t]] += dout[b, t]}, {@code dwpe[t] += dout[b, t]}.
     *
     * @param dwte [V, C], accumulated
     * @param dwpe [maxT, C], accumulated
     * @param dout [B, T, C]
     * @param ids  the ids the forward saw
     */
    public static void backward(Tensor dwte, Tensor dwpe, Tensor dout, int[] ids) {
        int[] btc = check("Embedding.backward", dout, ids, dwte, dwpe);
        int bt = btc[0] * btc[1], t = btc[1], c = btc[2];
        float[] g = dout.data, e = dwte.data, p = dwpe.data;
        // Serial on purpose: a token repeated in the batch adds into the same row of dwte.
        for (int i = 0; i < bt; i++) {
            int gRow = dout.offset + i * c, eRow = dwte.offset + ids[i] * c, pRow = dwpe.offset + (i % t) * c;
            // in the forward this was: out[b, t] = wte[ids[b, t]] + wpe[t]
            // so now:                  dwte[ids[b, t]] += dout[b, t],  dwpe[t] += dout[b, t]
            for (int j = 0; j < c; j++) {
                e[eRow + j] += g[gRow + j];
                p[pRow + j] += g[gRow + j];
            }
        }
    }

    /** Checks every operand and returns {B, T, C}. */
    private static int[] check(String op, Tensor out, int[] ids, Tensor wte, Tensor wpe) {
        Shapes.requireRank(op, "out", out, 3, "[B, T, C]");
        int b = out.dim(0), t = out.dim(1), c = out.dim(2);
        int v = rows(wte), maxT = rows(wpe);
        require(op, "wte", wte, v, c);
        require(op, "wpe", wpe, maxT, c);
        if (t > maxT) {
            throw new IllegalArgumentException(op + ": sequence length " + t + " exceeds the " + maxT + " positions of wpe");
        }
        if (ids.length != b * t) {
            throw new IllegalArgumentException(op + ": " + ids.length + " ids for B*T = " + b + "*" + t);
        }
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= v) {
                throw new IllegalArgumentException(op + ": token id " + ids[i] + " at (b=" + i / Math.max(1, t)
                        + ", t=" + i % Math.max(1, t) + ") is outside the vocabulary of " + v);
            }
        }
        return new int[] {b, t, c};
    }
}
