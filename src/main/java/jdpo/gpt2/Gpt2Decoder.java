package jdpo.gpt2;

import jdpo.nn.Gelu;
import jdpo.nn.LayerNorm;
import jdpo.nn.Linear;
import jdpo.nn.Residual;
import jdpo.nn.Softmax;
import jdpo.tensor.Kernels;
import jdpo.tensor.Tensor;

/**
 * GPT-2 one token at a time with a key/value cache, for sampling.
 *
 * <p>The full {@link Gpt2#forward} recomputes every position for every new token. Here each
 * block keeps the keys and values of the positions already seen, so feeding token t costs one
 * row through each layer plus attention over t cached rows. The numbers are the same as the
 * full forward's logits at position t (a test checks this).
 */
public final class Gpt2Decoder {
    private final Gpt2Params p;
    private final Gpt2Config c;
    private final Kernels k;
    private final Tensor[] keys, values; // per block: [NH, nPositions, hs]
    private int length;

    // one-row scratch, reused for every token
    private final Tensor x, ln, mean, rstd, qkv, atty, proj, fc, fcGelu, logits, scores;

    public Gpt2Decoder(Gpt2Params params, Kernels kernels) {
        this.p = params;
        this.c = params.config;
        this.k = kernels;
        int C = c.nEmbd, NH = c.nHead, hs = c.headSize();
        keys = new Tensor[c.nLayer];
        values = new Tensor[c.nLayer];
        for (int l = 0; l < c.nLayer; l++) {
            keys[l] = Tensor.zeros(NH, c.nPositions, hs);
            values[l] = Tensor.zeros(NH, c.nPositions, hs);
        }
        x = Tensor.zeros(1, C);
        ln = Tensor.zeros(1, C);
        mean = Tensor.zeros(1);
        rstd = Tensor.zeros(1);
        qkv = Tensor.zeros(1, 3 * C);
        atty = Tensor.zeros(1, C);
        proj = Tensor.zeros(1, C);
        fc = Tensor.zeros(1, c.nInner);
        fcGelu = Tensor.zeros(1, c.nInner);
        logits = Tensor.zeros(1, c.vocabSize);
        scores = Tensor.zeros(c.nPositions);
    }

    /** Tokens fed so far. */
    public int length() {
        return length;
    }

    /** Forgets every cached position. */
    public void reset() {
        length = 0;
    }

    /**
     * Feeds the next token and returns the logits {@code [1, V]} for the token after it (a view
     * that the next call overwrites).
     */
    public Tensor next(int token) {
        if (length >= c.nPositions) {
            throw new IllegalStateException("the context of " + c.nPositions + " positions is full");
        }
        if (token < 0 || token >= c.vocabSize) throw new IllegalArgumentException("token id " + token + " outside the vocabulary");
        int C = c.nEmbd, NH = c.nHead, hs = c.headSize(), t = length;
        float eps = c.layerNormEpsilon;
        Tensor wte = p.wte.row(token), wpe = p.wpe.row(t);
        for (int i = 0; i < C; i++) x.data[i] = wte.data[wte.offset + i] + wpe.data[wpe.offset + i];
        for (int l = 0; l < c.nLayer; l++) {
            Gpt2Params.Block w = p.h[l];
            LayerNorm.forward(ln, mean, rstd, x, w.ln1Weight, w.ln1Bias, eps);
            Linear.forward(k, qkv, ln, w.attnWeight, w.attnBias);
            attendWithCache(l, t, NH, hs, C);
            Linear.forward(k, proj, atty, w.attnProjWeight, w.attnProjBias);
            Residual.forward(x, x, proj);
            LayerNorm.forward(ln, mean, rstd, x, w.ln2Weight, w.ln2Bias, eps);
            Linear.forward(k, fc, ln, w.fcWeight, w.fcBias);
            Gelu.forward(k, fcGelu, fc);
            Linear.forward(k, proj, fcGelu, w.fcProjWeight, w.fcProjBias);
            Residual.forward(x, x, proj);
        }
        LayerNorm.forward(ln, mean, rstd, x, p.lnFWeight, p.lnFBias, eps);
        k.lmHeadForward(logits, ln, p.wte);
        length++;
        return logits;
    }

    /** Stores this position's k and v, then softmax(q k^T / sqrt(hs)) v over positions 0..t, per head. */
    private void attendWithCache(int layer, int t, int NH, int hs, int C) {
        float scale = (float) (1.0 / Math.sqrt(hs));
        for (int h = 0; h < NH; h++) {
            // Index arithmetic, not get(t2, i): this runs for every sampled token.
            float[] q = qkv.data, kd = keys[layer].data, vd = values[layer].data, s = scores.data;
            int cache = h * c.nPositions * hs; // head h's [nPositions, hs] block
            System.arraycopy(q, C + h * hs, kd, cache + t * hs, hs);
            System.arraycopy(q, 2 * C + h * hs, vd, cache + t * hs, hs);
            for (int t2 = 0; t2 <= t; t2++) {
                float dot = 0f;
                for (int i = 0; i < hs; i++) dot += q[h * hs + i] * kd[cache + t2 * hs + i];
                s[t2] = dot * scale;
            }
            Softmax.forward(s, 0, t + 1);
            for (int i = 0; i < hs; i++) {
                float y = 0f;
                for (int t2 = 0; t2 <= t; t2++) y += s[t2] * vd[cache + t2 * hs + i];
                atty.data[h * hs + i] = y;
            }
        }
    }
}
