package jdpo.gpt2;

import jdpo.tensor.Parameter;
import jdpo.tensor.Rng;
import jdpo.tensor.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every weight of a GPT-2 in one float block, with a named, shaped view per Hugging Face tensor.
 *
 * <p>Layouts are Hugging Face's: Conv1D weights are {@code [in, out]}, so {@code c_attn} is
 * {@code [C, 3C]}. The LM head has no tensor of its own: it is {@code wte}, transposed in use.
 * The same class holds gradients: a second instance with the same layout, all zeros.
 */
public final class Gpt2Params {

    /** The tensors of one transformer block, {@code h.{i}.*}. */
    public static final class Block {
        public final Tensor ln1Weight, ln1Bias;         // ln_1            [C]
        public final Tensor attnWeight, attnBias;       // attn.c_attn     [C, 3C], [3C]
        public final Tensor attnProjWeight, attnProjBias; // attn.c_proj   [C, C], [C]
        public final Tensor ln2Weight, ln2Bias;         // ln_2            [C]
        public final Tensor fcWeight, fcBias;           // mlp.c_fc        [C, 4C], [4C]
        public final Tensor fcProjWeight, fcProjBias;   // mlp.c_proj      [4C, C], [C]

        private Block(Layout l, Gpt2Config c) {
            int C = c.nEmbd, F = c.nInner;
            ln1Weight = l.take(C);
            ln1Bias = l.take(C);
            attnWeight = l.take(C, 3 * C);
            attnBias = l.take(3 * C);
            attnProjWeight = l.take(C, C);
            attnProjBias = l.take(C);
            ln2Weight = l.take(C);
            ln2Bias = l.take(C);
            fcWeight = l.take(C, F);
            fcBias = l.take(F);
            fcProjWeight = l.take(F, C);
            fcProjBias = l.take(C);
        }
    }

    public final Gpt2Config config;
    /** All numbers, in the order of {@link #named()}. */
    public final Tensor all;
    public final Tensor wte;  // [V, C] token embedding, also the LM head
    public final Tensor wpe;  // [nPositions, C] position embedding
    public final Block[] h;
    public final Tensor lnFWeight, lnFBias; // ln_f [C]

    /** Carves a zeroed block into views, one per tensor. */
    public Gpt2Params(Gpt2Config config) {
        this.config = config;
        this.all = Tensor.zeros((int) config.parameterCount());
        Layout l = new Layout(all);
        int C = config.nEmbd;
        wte = l.take(config.vocabSize, C);
        wpe = l.take(config.nPositions, C);
        h = new Block[config.nLayer];
        for (int i = 0; i < h.length; i++) h[i] = new Block(l, config);
        lnFWeight = l.take(C);
        lnFBias = l.take(C);
        if (l.next != all.size()) throw new IllegalStateException("layout covers " + l.next + " of " + all.size());
    }

    /** Hands out consecutive views of the block. */
    private static final class Layout {
        final Tensor all;
        int next;

        Layout(Tensor all) {
            this.all = all;
        }

        Tensor take(int... shape) {
            int n = 1;
            for (int d : shape) n *= d;
            Tensor t = all.rows(next, next + n).reshape(shape);
            next += n;
            return t;
        }
    }

    /** Every tensor under its Hugging Face name (without the {@code transformer.} prefix). */
    public Map<String, Tensor> named() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("wte.weight", wte);
        m.put("wpe.weight", wpe);
        for (int i = 0; i < h.length; i++) {
            Block b = h[i];
            String p = "h." + i + ".";
            m.put(p + "ln_1.weight", b.ln1Weight);
            m.put(p + "ln_1.bias", b.ln1Bias);
            m.put(p + "attn.c_attn.weight", b.attnWeight);
            m.put(p + "attn.c_attn.bias", b.attnBias);
            m.put(p + "attn.c_proj.weight", b.attnProjWeight);
            m.put(p + "attn.c_proj.bias", b.attnProjBias);
            m.put(p + "ln_2.weight", b.ln2Weight);
            m.put(p + "ln_2.bias", b.ln2Bias);
            m.put(p + "mlp.c_fc.weight", b.fcWeight);
            m.put(p + "mlp.c_fc.bias", b.fcBias);
            m.put(p + "mlp.c_proj.weight", b.fcProjWeight);
            m.put(p + "mlp.c_proj.bias", b.fcProjBias);
        }
        m.put("ln_f.weight", lnFWeight);
        m.put("ln_f.bias", lnFBias);
        return m;
    }

    /**
     * The trainable parameters paired with their gradients (a {@code Gpt2Params} of the same
     * config). As in Hugging Face's Trainer, biases and LayerNorm weights get no weight decay.
     */
    public List<Parameter> parameters(Gpt2Params grads) {
        if (grads.config != config && grads.all.size() != all.size()) {
            throw new IllegalArgumentException("gradients have another layout");
        }
        Map<String, Tensor> g = grads.named();
        List<Parameter> list = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : named().entrySet()) {
            String name = e.getKey();
            boolean decay = !(name.endsWith(".bias") || name.contains("ln_"));
            list.add(new Parameter(name, e.getValue(), g.get(name), decay));
        }
        return list;
    }

    /**
     * GPT-2's initialization: weights from N(0, 0.02^2), the residual projections ({@code c_proj})
     * scaled by 1/sqrt(2 n_layer), biases 0, LayerNorm weights 1.
     */
    public Gpt2Params initialize(Rng rng) {
        float std = 0.02f, projStd = (float) (0.02 / Math.sqrt(2.0 * config.nLayer));
        for (Map.Entry<String, Tensor> e : named().entrySet()) {
            String name = e.getKey();
            Tensor t = e.getValue();
            if (name.contains("ln_")) {
                t.fill(name.endsWith(".weight") ? 1f : 0f);
            } else if (name.endsWith(".bias")) {
                t.zero();
            } else {
                float s = name.endsWith("c_proj.weight") ? projStd : std;
                for (int i = 0; i < t.size(); i++) t.put(i, (float) (rng.nextGaussian() * s));
            }
        }
        return this;
    }

    /** A deep copy (its own block), for a frozen reference model. */
    public Gpt2Params copy() {
        Gpt2Params p = new Gpt2Params(config);
        p.all.copyFrom(all);
        return p;
    }
}
