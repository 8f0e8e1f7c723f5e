package jdpo.nn;

import jdpo.tensor.Kernels;
import jdpo.tensor.StridedMatrix;
import jdpo.tensor.Tensor;

import java.util.Arrays;

/**
 * Causal multi-head self-attention, the part of GPT-2's attention between {@code c_attn} and
 * {@code c_proj}. For each head h and position t:
 * {@code att[t, t2] = softmax over t2 <= t of (q_t . k_t2 / sqrt(hs))},
 * {@code out[t] = sum over t2 <= t of att[t, t2] v_t2}.
 *
 * <p>Layout, as Hugging Face GPT-2 splits {@code c_attn}'s output {@code qkv [B, T, 3C]}:
 * q = columns {@code [0, C)}, k = {@code [C, 2C)}, v = {@code [2C, 3C)}, and head h owns columns
 * {@code [h*hs, (h+1)*hs)} of each, {@code hs = C / nHead}. The output concatenates the heads
 * the same way.
 *
 * <p>Per head it is three matrix products and a row softmax, as nanoGPT writes it:
 * {@code att = softmax(mask(Q K^T / sqrt(hs)))}, {@code out = att V}, with {@code Q, K, V [T, hs]}
 * strided views of {@code qkv}. The products go through {@link Kernels#product}, so the scalar
 * kernels compute them one number at a time (the readable specification) and the vector kernels
 * in blocked vector registers, and both give the same bits: each number is one chain of fused
 * multiply-adds in the same order. The rows are taken {@value #BLOCK} at a time so that a block
 * only reaches the keys up to its last row, which skips most of the masked upper triangle; the
 * few masked entries a block does cover hold probability zero, and adding {@code 0 * v} leaves a
 * sum unchanged. Each head is computed by one thread in this fixed order, so the results do not
 * depend on the thread count either.
 *
 * <p>Why the specification was rewritten in the fast path's order rather than the other way
 * round: the speed of the vector path comes from running many fused multiply-add chains side by
 * side along the summed index, which is what a matrix product does; a vector path made to follow
 * a per-row loop (one dot product at a time, reduced across lanes) would give that up. Written as
 * three products, the scalar version stays as short as nanoGPT's, and the bits agree by
 * construction: both run the same calls, only {@link Kernels#product} and {@link Kernels#exp}
 * differ, and those two are tested number for number.
 */
public final class Attention {
    private Attention() {}

    /** Query rows per block (and key columns per block in the backward). */
    static final int BLOCK = 64;

    /**
     * @param k     the kernels: the products of each head, and the thread pool the heads are split over
     * @param out   [B, T, C], overwritten
     * @param att   B*nHead*T*T numbers ([B, nHead, T, T]), overwritten with the attention
     *              probabilities (0 above the diagonal), saved for the backward
     * @param qkv   [B, T, 3C]
     * @param nHead number of heads, dividing C
     */
    public static void forward(Kernels k, Tensor out, Tensor att, Tensor qkv, int nHead) {
        String op = "Attention.forward";
        int[] d = dims(op, qkv, nHead);
        int b = d[0], t = d[1], c = d[2];
        Shapes.requireSize(op, "out [B, T, C]", out, (long) b * t * c);
        if (out.dim(-1) != c) throw new IllegalArgumentException(op + ": out's last dimension must be C = " + c);
        Shapes.requireSize(op, "att [B, nHead, T, T]", att, (long) b * nHead * t * t);
        // One task per (b, h): a head's block of att and its slice of out, nothing shared.
        int heads = b * nHead;
        if (k.parallel().isSerial()) forwardHeads(0, heads, k, out, att, qkv, nHead);
        else k.parallel().forRange(heads, (from, to) -> forwardHeads(from, to, k, out, att, qkv, nHead));
    }

    /** Heads {@code bh = b * nHead + h} in {@code [from, to)}: their rows of att and slices of out. */
    static void forwardHeads(int from, int to, Kernels k, Tensor out, Tensor att, Tensor qkv, int nHead) {
        int t = qkv.dim(1), c = qkv.dim(2) / 3, hs = c / nHead;
        float scale = (float) (1.0 / Math.sqrt(hs));
        float[] a = att.data;
        for (int bh = from; bh < to; bh++) {
            Head head = new Head(qkv, bh, nHead);
            StridedMatrix p = head.att(att), o = head.of(out);
            for (int r0 = 0; r0 < t; r0 += BLOCK) {
                int r1 = Math.min(t, r0 + BLOCK), rows = r1 - r0;
                // preatt[t, t2] = q_t . k_t2 for the block's rows, keys t2 < r1 only
                k.product(p.from(r0, 0), head.q.from(r0, 0), head.k.transpose(), rows, r1, hs, false);
                // att[t] = softmax(preatt[t, 0..t] / sqrt(hs)), and 0 for the future t2 > t
                for (int ti = r0; ti < r1; ti++) {
                    int row = p.offset() + ti * t;
                    for (int t2 = 0; t2 <= ti; t2++) a[row + t2] *= scale;
                    Softmax.forward(k, a, row, ti + 1);
                    Arrays.fill(a, row + ti + 1, row + t, 0f);
                }
                // out_t = sum over t2 < r1 of att[t, t2] v_t2 (the terms past t are 0 * v_t2)
                k.product(o.from(r0, 0), p.from(r0, 0), head.v, rows, hs, r1, false);
            }
        }
    }

    /**
     * With {@code P = att}, {@code dP = dout V^T}: {@code dV += P^T dout},
     * {@code dS[t, t2] = P[t, t2] (dP[t, t2] - sum_j P[t, j] dP[t, j]) / sqrt(hs)},
     * {@code dQ += dS K}, {@code dK += dS^T Q}.
     *
     * @param k     the kernels, as in the forward
     * @param dqkv  [B, T, 3C], accumulated
     * @param dout  [B, T, C]
     * @param qkv   the forward's input
     * @param att   the probabilities the forward saved
     * @param nHead number of heads
     */
    public static void backward(Kernels k, Tensor dqkv, Tensor dout, Tensor qkv, Tensor att, int nHead) {
        String op = "Attention.backward";
        int[] d = dims(op, qkv, nHead);
        int b = d[0], t = d[1], c = d[2];
        Shapes.requireSameShape(op, "dqkv", dqkv, "qkv", qkv);
        Shapes.requireSize(op, "dout [B, T, C]", dout, (long) b * t * c);
        if (dout.dim(-1) != c) throw new IllegalArgumentException(op + ": dout's last dimension must be C = " + c);
        Shapes.requireSize(op, "att [B, nHead, T, T]", att, (long) b * nHead * t * t);
        // One task per (b, h): dk and dv of a position gather from every later position, so a
        // head is kept on one thread and no number is written by two threads.
        int heads = b * nHead;
        if (k.parallel().isSerial()) backwardHeads(0, heads, k, dqkv, dout, qkv, att, nHead);
        else k.parallel().forRange(heads, (from, to) -> backwardHeads(from, to, k, dqkv, dout, qkv, att, nHead));
    }

    /** The forward read bottom-up, for heads {@code bh = b * nHead + h} in {@code [from, to)}. */
    static void backwardHeads(int from, int to, Kernels k, Tensor dqkv, Tensor dout, Tensor qkv, Tensor att, int nHead) {
        int t = qkv.dim(1), c = qkv.dim(2) / 3, hs = c / nHead;
        float scale = (float) (1.0 / Math.sqrt(hs));
        float[] ds = new float[t * t];
        StridedMatrix dS = new StridedMatrix(ds, 0, t, 1);
        for (int bh = from; bh < to; bh++) {
            Head head = new Head(qkv, bh, nHead), grad = new Head(dqkv, bh, nHead);
            StridedMatrix p = head.att(att), dO = head.of(dout);
            float[] a = att.data;
            // in the forward this was: out = att V (per block of rows, keys t2 < r1)
            // so now:                  datt = dout V^T,  dV += att^T dout
            for (int r0 = 0; r0 < t; r0 += BLOCK) {
                int r1 = Math.min(t, r0 + BLOCK);
                k.product(dS.from(r0, 0), dO.from(r0, 0), head.v.transpose(), r1 - r0, r1, hs, false);
            }
            // dV_t2 gathers from the queries t >= t2 only: for a block of keys [c0, c1), t from c0
            for (int c0 = 0; c0 < t; c0 += BLOCK) {
                int c1 = Math.min(t, c0 + BLOCK);
                k.product(grad.v.from(c0, 0), p.transpose().from(c0, c0), dO.from(c0, 0), c1 - c0, hs, t - c0, true);
            }
            // in the forward this was: att[t] = softmax(preatt[t, 0..t] * scale)
            // so now:                  dpreatt[t] = att[t] * (datt[t] - att[t] . datt[t]) * scale, and 0 past t
            for (int ti = 0; ti < t; ti++) {
                int row = ti * t;
                Softmax.backward(ds, row, ds, row, a, p.offset() + row, ti + 1);
                for (int t2 = 0; t2 <= ti; t2++) ds[row + t2] *= scale;
                Arrays.fill(ds, row + ti + 1, row + t, 0f);
            }
            // in the forward this was: preatt = Q K^T
            // so now:                  dQ += dpreatt K,  dK += dpreatt^T Q
            for (int r0 = 0; r0 < t; r0 += BLOCK) {
                int r1 = Math.min(t, r0 + BLOCK);
                k.product(grad.q.from(r0, 0), dS.from(r0, 0), head.k, r1 - r0, hs, r1, true);
            }
            for (int c0 = 0; c0 < t; c0 += BLOCK) {
                int c1 = Math.min(t, c0 + BLOCK);
                k.product(grad.k.from(c0, 0), dS.transpose().from(c0, c0), head.q.from(c0, 0), c1 - c0, hs, t - c0, true);
            }
        }
    }

    /**
     * Head {@code h} of sequence {@code b} ({@code bh = b * nHead + h}) as {@code [T, hs]} views of a
     * {@code [B, T, 3C]} tensor (qkv or its gradient): {@code q}, {@code k} and {@code v}, each row
     * {@code 3C} numbers after the one before.
     */
    private static final class Head {
        final int bh, b, h, t, hs;
        final StridedMatrix q, k, v;

        Head(Tensor qkv, int bh, int nHead) {
            int c = qkv.dim(2) / 3;
            this.bh = bh;
            this.b = bh / nHead;
            this.h = bh % nHead;
            this.t = qkv.dim(1);
            this.hs = c / nHead;
            int base = qkv.offset + b * t * 3 * c + h * hs;
            q = new StridedMatrix(qkv.data, base, 3 * c, 1);
            k = new StridedMatrix(qkv.data, base + c, 3 * c, 1);
            v = new StridedMatrix(qkv.data, base + 2 * c, 3 * c, 1);
        }

        /** This head's {@code [T, hs]} slice of a {@code [B, T, C]} tensor (out or its gradient). */
        StridedMatrix of(Tensor x) {
            int c = x.dim(-1);
            return new StridedMatrix(x.data, x.offset + b * t * c + h * hs, c, 1);
        }

        /** This head's {@code [T, T]} block of att {@code [B, nHead, T, T]}. */
        StridedMatrix att(Tensor att) {
            return new StridedMatrix(att.data, att.offset + bh * t * t, t, 1);
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
}
