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

import java.util.Arrays;
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
 *
 * <p>With adapters ({@link #withAdapters}, LoRA's), the four linear layers of each block go through
 * {@link LinearAdapters}; the base weights are frozen, and the backward computes the gradients of
 * the activations and of the adapters only.
 */
public final class Gpt2 {
    public final Gpt2Config config;
    public final Gpt2Params params;
    private final Gpt2Params grads;
    private final LinearAdapters lora;
    private final boolean backpropagates;
    private final Kernels kernels;
    private Activations acts;
    private Activations dacts;
    /**
     * d loss / d logits for callers that add into it ({@link #logitsGrad()}): made on first use and
     * zeroed by each forward. A loss can instead write the gradient over the logits themselves
     * and pass them to {@link #backward(Tensor)}, which is what DPO does: one logits-sized buffer.
     */
    private Tensor logitsGrad;
    private float[] logitsGradArray = new float[0];
    private int[] ids;

    private Gpt2(Gpt2Params params, Kernels kernels, boolean trainable, LinearAdapters lora) {
        this.config = params.config;
        this.params = params;
        this.kernels = kernels;
        this.lora = lora;
        this.grads = trainable && lora == null ? new Gpt2Params(config) : null;
        this.backpropagates = trainable;
    }

    /** A model whose parameters train: gradients are allocated. */
    public static Gpt2 trainable(Gpt2Params params, Kernels kernels) {
        return new Gpt2(params, kernels, true, null);
    }

    /** A model that only runs forward (a frozen reference, sampling, scoring). */
    public static Gpt2 frozen(Gpt2Params params, Kernels kernels) {
        return new Gpt2(params, kernels, false, null);
    }

    /**
     * The base model {@code params}, frozen, with LoRA adapters on its linear layers. When the
     * adapters keep gradients, they are what trains ({@link #parameters()}); otherwise the model
     * only runs forward.
     */
    public static Gpt2 withAdapters(Gpt2Params params, LinearAdapters lora, Kernels kernels) {
        Gpt2Config a = lora.shape(), c = params.config;
        if (a.nLayer != c.nLayer || a.nEmbd != c.nEmbd || a.nInner != c.nInner) {
            throw new IllegalArgumentException("the adapters were made for " + a + ", not " + c);
        }
        return new Gpt2(params, kernels, lora.trainable(), lora);
    }


    public Kernels kernels() {
        return kernels;
    }

    /** Gradients of every parameter (same layout as {@link #params}). */
    public Gpt2Params grads() {
        if (grads == null) throw new IllegalStateException(lora != null ? "the base weights under adapters are frozen" : "a frozen model has no gradients");
        return grads;
    }

    /** The parameters that train, paired with their gradients, for the optimizer: every weight, or only the adapters. */
    public List<Parameter> parameters() {
        return lora != null ? lora.parameters() : params.parameters(grads());
    }

    public void zeroGrad() {
        if (lora != null) lora.zeroGrad();
        else grads().all.zero();
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
            logitsGrad = null;
            if (logitsGradArray.length < (long) B * T * config.vocabSize) logitsGradArray = new float[0];
            acts = new Activations(config, B, T, false, backpropagates ? config.nLayer : 1, reuse);
            if (backpropagates) dacts = new Activations(config, B, T, true, 2, reuseGrads);
        }
        this.ids = ids.clone();
        Activations a = acts;
        Gpt2Params p = params;
        Kernels k = kernels;
        float eps = config.layerNormEpsilon;
        if (lora != null) lora.prepare(B * T);

        Embedding.forward(a.encoded, ids, p.wte, p.wpe);
        Tensor x = a.encoded;
        for (int l = 0; l < config.nLayer; l++) {
            Gpt2Params.Block w = p.h[l];
            Activations.Block s = a.h[l];
            LayerNorm.forward(s.ln1, s.ln1Mean, s.ln1Rstd, x, w.ln1Weight, w.ln1Bias, eps);
            linear(l, Conv1dModule.ATTN_C_ATTN, s.qkv, s.ln1, w);
            Attention.forward(k, s.atty, s.att, s.qkv, config.nHead);
            linear(l, Conv1dModule.ATTN_C_PROJ, s.attProj, s.atty, w);
            Residual.forward(s.residual2, x, s.attProj);
            LayerNorm.forward(s.ln2, s.ln2Mean, s.ln2Rstd, s.residual2, w.ln2Weight, w.ln2Bias, eps);
            linear(l, Conv1dModule.MLP_C_FC, s.fc, s.ln2, w);
            Gelu.forward(k, s.fcGelu, s.fc);
            linear(l, Conv1dModule.MLP_C_PROJ, s.fcProj, s.fcGelu, w);
            Residual.forward(s.residual3, s.residual2, s.fcProj);
            x = s.residual3;
        }
        LayerNorm.forward(a.lnF, a.lnFMean, a.lnFRstd, x, p.lnFWeight, p.lnFBias, eps);
        k.lmHeadForward(a.logits, a.lnF, p.wte);
        if (logitsGrad != null) logitsGrad.zero();
        return a.logits;
    }

    /** The logits of the last forward, {@code [B, T, V]}. */
    public Tensor logits() {
        requireForward();
        return acts.logits;
    }

    /**
     * Where a loss can add d loss / d logits {@code [B, T, V]} for the last forward, for
     * {@link #backward()}; zeroed by each forward. Made on first use: a loss that writes its
     * gradient over {@link #logits()} and calls {@link #backward(Tensor)} never needs it.
     */
    public Tensor logitsGrad() {
        requireForward();
        if (dacts == null) throw new IllegalStateException("a frozen model has no gradients");
        if (logitsGrad == null) {
            int n = acts.B * acts.T * config.vocabSize;
            if (logitsGradArray.length < n) logitsGradArray = new float[n];
            logitsGrad = Tensor.of(logitsGradArray, logitsGradArray.length).rows(0, n).reshape(acts.B, acts.T, config.vocabSize);
            logitsGrad.zero();
        }
        return logitsGrad;
    }

    /** Linear layer m of block l ({@code y = x W + b}, W and b from {@code w}), through its adapter when it has one. */
    private void linear(int l, Conv1dModule m, Tensor y, Tensor x, Gpt2Params.Block w) {
        if (lora != null) lora.forward(kernels, l, m, y, x, m.weight(w), m.bias(w));
        else Linear.forward(kernels, y, x, m.weight(w), m.bias(w));
    }

    /** Backward of {@link #linear}; {@code gw} (the block's gradients) is null when the base is frozen. */
    private void linearBackward(int l, Conv1dModule m, Tensor dx, Gpt2Params.Block gw, Tensor dy, Tensor x, Gpt2Params.Block w) {
        if (lora != null) lora.backward(kernels, l, m, dx, gw == null ? null : m.weight(gw), gw == null ? null : m.bias(gw), dy, x, m.weight(w));
        else Linear.backward(kernels, dx, m.weight(gw), m.bias(gw), dy, x, m.weight(w));
    }

    /** Backpropagates {@link #logitsGrad()}: {@link #backward(Tensor)} of it. */
    public void backward() {
        backward(logitsGrad());
    }

    /**
     * Backpropagates {@code dlogits} {@code [B, T, V]}, d loss / d logits of the last forward,
     * into {@link #grads()}, or, under LoRA, into the adapters' gradients only (the frozen base
     * gets none: the {@code g == null} branches below). {@code dlogits} may be {@link #logits()}
     * itself, the gradient written over them: nothing below reads the logits.
     */
    public void backward(Tensor dlogits) {
        requireForward();
        if (dacts == null) throw new IllegalStateException("a frozen model has no gradients");
        if (!dlogits.sameShape(acts.logits)) {
            throw new IllegalArgumentException("dlogits has shape " + Arrays.toString(dlogits.shape()) + ", the logits "
                    + Arrays.toString(acts.logits.shape()));
        }
        Gpt2Params g = grads;
        Activations a = acts, d = dacts;
        Gpt2Params p = params;
        Kernels k = kernels;
        d.zeroAll();

        if (g != null) k.lmHeadBackwardWeight(g.wte, dlogits, a.lnF);
        k.lmHeadBackwardInput(d.lnF, dlogits, p.wte);
        int last = config.nLayer - 1;
        LayerNorm.backward(d.h[last].residual3, g == null ? null : g.lnFWeight, g == null ? null : g.lnFBias, d.lnF,
                a.h[last].residual3, p.lnFWeight, a.lnFMean, a.lnFRstd);
        for (int l = last; l >= 0; l--) {
            Gpt2Params.Block w = p.h[l], gw = g == null ? null : g.h[l];
            Activations.Block s = a.h[l], ds = d.h[l];
            Tensor x = l == 0 ? a.encoded : a.h[l - 1].residual3;
            Tensor dx = l == 0 ? d.encoded : d.h[l - 1].residual3;
            // Two blocks of gradients serve all layers in turn: clear what layer l + 2 left in this
            // one (all but the gradient flowing in), and the other's residual3, which dx is.
            ds.zeroAllBut(ds.residual3);
            dx.zero();
            Residual.backward(ds.residual2, ds.fcProj, ds.residual3);
            linearBackward(l, Conv1dModule.MLP_C_PROJ, ds.fcGelu, gw, ds.fcProj, s.fcGelu, w);
            Gelu.backward(k, ds.fc, ds.fcGelu, s.fc);
            linearBackward(l, Conv1dModule.MLP_C_FC, ds.ln2, gw, ds.fc, s.ln2, w);
            LayerNorm.backward(ds.residual2, gw == null ? null : gw.ln2Weight, gw == null ? null : gw.ln2Bias, ds.ln2,
                    s.residual2, w.ln2Weight, s.ln2Mean, s.ln2Rstd);
            Residual.backward(dx, ds.attProj, ds.residual2);
            linearBackward(l, Conv1dModule.ATTN_C_PROJ, ds.atty, gw, ds.attProj, s.atty, w);
            Attention.backward(k, ds.qkv, ds.atty, s.qkv, s.att, config.nHead);
            linearBackward(l, Conv1dModule.ATTN_C_ATTN, ds.ln1, gw, ds.qkv, s.ln1, w);
            LayerNorm.backward(dx, gw == null ? null : gw.ln1Weight, gw == null ? null : gw.ln1Bias, ds.ln1, x, w.ln1Weight, s.ln1Mean, s.ln1Rstd);
        }
        if (g != null) Embedding.backward(g.wte, g.wpe, d.encoded, ids);
    }

    private void requireForward() {
        if (acts == null) throw new IllegalStateException("run forward first");
    }
}
