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
        }
    }

    final int B, T;
    final boolean gradients;
    final Tensor encoded;                 // [B,T,C] token + position embedding
    final Block[] h;
    final Tensor lnF, lnFMean, lnFRstd;   // [B,T,C], [B,T], [B,T]
    final Tensor logits;                  // [B,T,V]
    private final Pool pool;

    /** Activations for {@code [B, T]}, reusing {@code earlier}'s buffers where they are big enough. */
    Activations(Gpt2Config c, int B, int T, boolean gradients, Activations earlier) {
        this.B = B;
        this.T = T;
        this.gradients = gradients;
        this.pool = new Pool(earlier == null ? null : earlier.pool);
        int C = c.nEmbd;
        encoded = pool.take(B, T, C);
        h = new Block[c.nLayer];
        for (int i = 0; i < h.length; i++) h[i] = new Block(pool, c, B, T, gradients);
        lnF = pool.take(B, T, C);
        lnFMean = gradients ? null : pool.take(B, T);
        lnFRstd = gradients ? null : pool.take(B, T);
        logits = pool.take(B, T, c.vocabSize);
    }

    /** Sets every buffer to zero (gradients accumulate, so each backward starts from zero). */
    void zeroAllBut(Tensor keep) {
        for (Tensor t : pool.handedOut) if (t != keep) t.zero();
    }

    /**
     * Hands out tensors in a fixed order; the i-th request reuses the i-th array of the earlier
     * pool when that array is large enough.
     */
    private static final class Pool {
        private final List<float[]> arrays = new ArrayList<>();
        private final List<Tensor> handedOut = new ArrayList<>();
        private final Pool earlier;

        Pool(Pool earlier) {
            this.earlier = earlier;
        }

        Tensor take(int... shape) {
            long n = 1;
            for (int d : shape) n *= d;
            if (n > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("an activation of " + n + " numbers does not fit one array; use a smaller batch");
            }
            int i = arrays.size();
            float[] a = earlier != null && i < earlier.arrays.size() && earlier.arrays.get(i).length >= n
                    ? earlier.arrays.get(i) : new float[(int) n];
            arrays.add(a);
            Tensor t = Tensor.of(a, a.length).rows(0, (int) n).reshape(shape);
            handedOut.add(t);
            return t;
        }
    }
}
