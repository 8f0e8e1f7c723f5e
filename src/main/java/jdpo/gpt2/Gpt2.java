package jdpo.gpt2;

import jdpo.nn.Attention;
import jdpo.nn.Embedding;
import jdpo.nn.Gelu;
import jdpo.nn.LayerNorm;
import jdpo.nn.Linear;
import jdpo.nn.Residual;
import jdpo.tensor.Kernels;
import jdpo.tensor.Parameter;
import jdpo.tensor.Tensor;

import java.util.List;

/**
 * GPT-2: token ids {@code [B, T]} -> logits {@code [B, T, V]}, and back.
 *
 * <pre>
 *   x = wte[ids] + wpe[0..T)
 *   for each block:  x = x + attn(ln_1(x));  x = x + mlp(ln_2(x))
 *   logits = ln_f(x) wte^T              (the LM head is the token embedding, tied)
 * </pre>
 *
 * Rows are right-padded: with a causal model, padding after the last real token cannot change
 * what comes before it, so no attention mask is needed; the loss skips padded positions.
 *
 * <p>{@link #backward()} is {@link #forward} read from the bottom up. It accumulates into
 * {@link #grads()}; {@code wte} receives both the LM head's and the embedding's share.
 */
public final class Gpt2 {
    public final Gpt2Config config;
    public final Gpt2Params params;
    private final Gpt2Params grads;
    private final Kernels kernels;
    private Activations acts;
    private Activations dacts;
    private int[] ids;

    private Gpt2(Gpt2Params params, Kernels kernels, boolean trainable) {
        this.config = params.config;
        this.params = params;
        this.kernels = kernels;
        this.grads = trainable ? new Gpt2Params(config) : null;
    }

    /** A model whose parameters train: gradients are allocated. */
    public static Gpt2 trainable(Gpt2Params params, Kernels kernels) {
        return new Gpt2(params, kernels, true);
    }

    /** A model that only runs forward (a frozen reference, sampling, scoring). */
    public static Gpt2 frozen(Gpt2Params params, Kernels kernels) {
        return new Gpt2(params, kernels, false);
    }

    public Kernels kernels() {
        return kernels;
    }

    /** Gradients of every parameter (same layout as {@link #params}). */
    public Gpt2Params grads() {
        if (grads == null) throw new IllegalStateException("a frozen model has no gradients");
        return grads;
    }

    /** Parameters paired with their gradients, for the optimizer. */
    public List<Parameter> parameters() {
        return params.parameters(grads());
    }

    public void zeroGrad() {
        grads().all.zero();
    }

    /**
     * Runs the model on {@code ids} (row-major {@code [B, T]}, every id in the vocabulary) and
     * returns the logits {@code [B, T, V]}. The returned tensor is a view that the next forward
     * overwrites.
     */
    public Tensor forward(int[] ids, int B, int T) {
        if (B < 1 || T < 1 || ids.length != B * T) {
            throw new IllegalArgumentException("ids has " + ids.length + " entries for B=" + B + ", T=" + T);
        }
        if (T > config.nPositions) {
            throw new IllegalArgumentException("sequence of " + T + " tokens exceeds n_positions " + config.nPositions);
        }
        if (acts == null || acts.B != B || acts.T != T) {
            // Let go of the old activations before making the new: their arrays are reused where
            // big enough, and the rest can be collected instead of adding to the peak.
            Activations.Pool reuse = acts == null ? null : acts.release();
            Activations.Pool reuseGrads = dacts == null ? null : dacts.release();
            acts = null;
            dacts = null;
            acts = new Activations(config, B, T, false, reuse);
            if (grads != null) dacts = new Activations(config, B, T, true, reuseGrads);
        }
        this.ids = ids.clone();
        Activations a = acts;
        Gpt2Params p = params;
        Kernels k = kernels;
        float eps = config.layerNormEpsilon;

        Embedding.forward(a.encoded, ids, p.wte, p.wpe);
        Tensor x = a.encoded;
        for (int l = 0; l < config.nLayer; l++) {
            Gpt2Params.Block w = p.h[l];
            Activations.Block s = a.h[l];
            LayerNorm.forward(s.ln1, s.ln1Mean, s.ln1Rstd, x, w.ln1Weight, w.ln1Bias, eps);
            Linear.forward(k, s.qkv, s.ln1, w.attnWeight, w.attnBias);
            Attention.forward(k, s.atty, s.att, s.qkv, config.nHead);
            Linear.forward(k, s.attProj, s.atty, w.attnProjWeight, w.attnProjBias);
            Residual.forward(s.residual2, x, s.attProj);
            LayerNorm.forward(s.ln2, s.ln2Mean, s.ln2Rstd, s.residual2, w.ln2Weight, w.ln2Bias, eps);
            Linear.forward(k, s.fc, s.ln2, w.fcWeight, w.fcBias);
            Gelu.forward(k, s.fcGelu, s.fc);
            Linear.forward(k, s.fcProj, s.fcGelu, w.fcProjWeight, w.fcProjBias);
            Residual.forward(s.residual3, s.residual2, s.fcProj);
            x = s.residual3;
        }
        LayerNorm.forward(a.lnF, a.lnFMean, a.lnFRstd, x, p.lnFWeight, p.lnFBias, eps);
        k.lmHeadForward(a.logits, a.lnF, p.wte);
        if (dacts != null) dacts.logits.zero();
        return a.logits;
    }

    /** The logits of the last forward, {@code [B, T, V]}. */
    public Tensor logits() {
        requireForward();
        return acts.logits;
    }

    /**
     * Where the loss puts d loss / d logits {@code [B, T, V]} for the last forward; zeroed by
     * each forward, read by {@link #backward()}.
     */
    public Tensor logitsGrad() {
        requireForward();
        if (dacts == null) throw new IllegalStateException("a frozen model has no gradients");
        return dacts.logits;
    }

    /** Backpropagates {@link #logitsGrad()} through the last forward into {@link #grads()}. */
    public void backward() {
        requireForward();
        Gpt2Params g = grads();
        Activations a = acts, d = dacts;
        Gpt2Params p = params;
        Kernels k = kernels;
        d.zeroAllBut(d.logits);

        k.lmHeadBackwardWeight(g.wte, d.logits, a.lnF);
        k.lmHeadBackwardInput(d.lnF, d.logits, p.wte);
        int last = config.nLayer - 1;
        LayerNorm.backward(d.h[last].residual3, g.lnFWeight, g.lnFBias, d.lnF,
                a.h[last].residual3, p.lnFWeight, a.lnFMean, a.lnFRstd);
        for (int l = last; l >= 0; l--) {
            Gpt2Params.Block w = p.h[l], gw = g.h[l];
            Activations.Block s = a.h[l], ds = d.h[l];
            Tensor x = l == 0 ? a.encoded : a.h[l - 1].residual3;
            Tensor dx = l == 0 ? d.encoded : d.h[l - 1].residual3;
            Residual.backward(ds.residual2, ds.fcProj, ds.residual3);
            Linear.backward(k, ds.fcGelu, gw.fcProjWeight, gw.fcProjBias, ds.fcProj, s.fcGelu, w.fcProjWeight);
            Gelu.backward(k, ds.fc, ds.fcGelu, s.fc);
            Linear.backward(k, ds.ln2, gw.fcWeight, gw.fcBias, ds.fc, s.ln2, w.fcWeight);
            LayerNorm.backward(ds.residual2, gw.ln2Weight, gw.ln2Bias, ds.ln2, s.residual2, w.ln2Weight, s.ln2Mean, s.ln2Rstd);
            Residual.backward(dx, ds.attProj, ds.residual2);
            Linear.backward(k, ds.atty, gw.attnProjWeight, gw.attnProjBias, ds.attProj, s.atty, w.attnProjWeight);
            Attention.backward(k, ds.qkv, ds.atty, s.qkv, s.att, config.nHead);
            Linear.backward(k, ds.ln1, gw.attnWeight, gw.attnBias, ds.qkv, s.ln1, w.attnWeight);
            LayerNorm.backward(dx, gw.ln1Weight, gw.ln1Bias, ds.ln1, x, w.ln1Weight, s.ln1Mean, s.ln1Rstd);
        }
        Embedding.backward(g.wte, g.wpe, d.encoded, ids);
    }

    private void requireForward() {
        if (acts == null) throw new IllegalStateException("run forward first");
    }
}
