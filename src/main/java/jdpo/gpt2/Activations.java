package jdpo.gpt2;

import jdpo.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * What a forward pass over a batch {@code [B, T]} keeps for its backward, one named tensor per
 * step of the forward. The same class, built with {@code gradients = true}, holds the gradient
 * of the loss with respect to each of them (without the saved statistics, which have none).
 *
 * <p>Buffers are allocated once and reused: a later batch that fits in the earlier buffers gets
 * views onto them, so a training loop allocates nothing per step once the longest batch is seen.
 *
 * <p>A model that never runs backward (a frozen reference, scoring, sampling) needs no layer's
 * activations once the next layer has read them, so it gets one block's buffers, shared by every
 * layer: a layer reads its input {@code residual3} before it writes its own (see
 * {@link Gpt2#forward}). The gradients need two blocks, taken in turn: the backward of layer
 * {@code l} reads the gradient of its output from one and writes that of its input into the
 * other ({@link Gpt2#backward} zeroes a block before it is used again). At GPT-2 124M and 1024
 * tokens each of the two saves over a gigabyte.
 */
final class Activations {

    /** One transformer block's activations, in forward order. */
    static final class Block {
        final Tensor ln1, ln1Mean, ln1Rstd;  // [B,T,C], [B,T], [B,T]
        final Tensor qkv;                    // [B,T,3C]
        final Tensor att;                    // [B,NH,T,T] attention probabilities
        final Tensor atty;                   // [B,T,C] heads concatenated
        final Tensor attProj;                // [B,T,C]
        final Tensor residual2;              // [B,T,C] residual + attention
        final Tensor ln2, ln2Mean, ln2Rstd;  // [B,T,C], [B,T], [B,T]
        final Tensor fc;                     // [B,T,F]
        final Tensor fcGelu;                 // [B,T,F]
        final Tensor fcProj;                 // [B,T,C]
        final Tensor residual3;              // [B,T,C] residual2 + MLP
        private final List<Tensor> all = new ArrayList<>();

        Block(Pool pool, Gpt2Config c, int B, int T, boolean gradients) {
            int C = c.nEmbd, F = c.nInner, NH = c.nHead;
            ln1 = pool.take(B, T, C);
            ln1Mean = gradients ? null : pool.take(B, T);
            ln1Rstd = gradients ? null : pool.take(B, T);
            qkv = pool.take(B, T, 3 * C);
            att = gradients ? null : pool.take(B, NH, T, T);
            atty = pool.take(B, T, C);
            attProj = pool.take(B, T, C);
            residual2 = pool.take(B, T, C);
            ln2 = pool.take(B, T, C);
            ln2Mean = gradients ? null : pool.take(B, T);
            ln2Rstd = gradients ? null : pool.take(B, T);
            fc = pool.take(B, T, F);
            fcGelu = pool.take(B, T, F);
            fcProj = pool.take(B, T, C);
            residual3 = pool.take(B, T, C);
            for (Tensor t : new Tensor[] {ln1, ln1Mean, ln1Rstd, qkv, att, atty, attProj, residual2, ln2, ln2Mean, ln2Rstd,
                    fc, fcGelu, fcProj, residual3}) {
                if (t != null) all.add(t);
            }
        }

        /** Zeroes every buffer of the block but {@code keep}. */
        void zeroAllBut(Tensor keep) {
            for (Tensor t : all) if (t != keep) t.zero();
        }
    }

    final int B, T;
    final boolean gradients;
    final Tensor encoded;                 // [B,T,C] token + position embedding
    final Block[] h;
    final Tensor lnF, lnFMean, lnFRstd;   // [B,T,C], [B,T], [B,T]
    final Tensor logits;                  // [B,T,V]; none among the gradients (see Gpt2.logitsGrad)
    private final Pool pool;

    /**
     * Activations for {@code [B, T]}: {@code blocks} distinct blocks' buffers, taken in turn by the
     * layers (every layer's own, 1 for a forward alone, 2 for the gradients). Reuses the buffers of {@code earlier} (a {@link #release}d
     * pool, or null) where they are big enough.
     */
    Activations(Gpt2Config c, int B, int T, boolean gradients, int blocks, Pool earlier) {
        this.B = B;
        this.T = T;
        this.gradients = gradients;
        this.pool = new Pool(earlier);
        int C = c.nEmbd;
        encoded = pool.take(B, T, C);
        h = new Block[c.nLayer];
        for (int i = 0; i < h.length; i++) h[i] = i < blocks ? new Block(pool, c, B, T, gradients) : h[i % blocks];
        lnF = pool.take(B, T, C);
        lnFMean = gradients ? null : pool.take(B, T);
        lnFRstd = gradients ? null : pool.take(B, T);
        logits = gradients ? null : pool.take(B, T, c.vocabSize);
        pool.forgetEarlier();
    }

    /**
     * Gives up this object's buffers for the next batch shape: returns its pool, holding the
     * arrays and nothing else. This object must not be used afterwards, nor kept: its own
     * fields still point at the arrays.
     */
    Pool release() {
        pool.handedOut.clear();
        return pool;
    }

    /** Sets every buffer to zero (gradients accumulate, so each backward starts from zero). */
    void zeroAll() {
        for (Tensor t : pool.handedOut) t.zero();
    }

    /**
     * Hands out tensors in a fixed order; the i-th request reuses the i-th array of the earlier
     * pool when that array is large enough. An earlier array too small to reuse is let go of
     * before its replacement is allocated, and the earlier pool is forgotten once this one is
     * built, so a change of batch shape never holds two sets of activations (the earlier
     * activations are not used again).
     */
    static final class Pool {
        private final List<float[]> arrays = new ArrayList<>();
        private final List<Tensor> handedOut = new ArrayList<>();
        private Pool earlier;

        Pool(Pool earlier) {
            this.earlier = earlier;
        }

        void forgetEarlier() {
            earlier = null;
        }

        Tensor take(int... shape) {
            long n = 1;
            for (int d : shape) n *= d;
            if (n > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("an activation of " + n + " numbers does not fit one array; use a smaller batch");
            }
            int i = arrays.size();
            float[] a = null;
            if (earlier != null && i < earlier.arrays.size()) {
                float[] old = earlier.arrays.get(i);
                if (old.length >= n) a = old;
                else earlier.arrays.set(i, null); // too small: let the collector have it before allocating more
            }
            if (a == null) a = new float[(int) n];
            arrays.add(a);
            Tensor t = Tensor.of(a, a.length).rows(0, (int) n).reshape(shape);
            handedOut.add(t);
            return t;
        }
    }
}
