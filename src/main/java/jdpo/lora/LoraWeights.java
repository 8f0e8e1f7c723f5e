package jdpo.lora;

import jdpo.gpt2.Conv1dModule;
import jdpo.gpt2.Gpt2Config;
import jdpo.tensor.Parameter;
import jdpo.tensor.Rng;
import jdpo.tensor.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The adapter matrices of a GPT-2 in one float block, an {@code A [in, r]} and a
 * {@code B [r, out]} for every adapted module of every block, in the Conv1D layout of the
 * weights they adapt. The same class holds their gradients: a second instance, all zeros.
 *
 * <p>PEFT stores each as an {@code nn.Linear} weight, transposed: {@code lora_A.weight [r, in]},
 * {@code lora_B.weight [out, r]}; {@link PeftAdapter} transposes on the way in and out.
 */
public final class LoraWeights {
    public final Gpt2Config model;
    public final LoraConfig config;
    /** All numbers, in the order of {@link #named()}. */
    public final Tensor all;
    private final Tensor[][] a, b; // [layer][module], null where a module is not adapted

    /** Carves a zeroed block into an A and a B per adapted module. */
    public LoraWeights(Gpt2Config model, LoraConfig config) {
        this.model = model;
        this.config = config;
        int modules = Conv1dModule.values().length, r = config.r();
        long size = 0;
        for (Conv1dModule m : config.modules()) size += (long) r * (m.in(model) + m.out(model));
        size *= model.nLayer;
        if (size > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("the adapters are too large for one array");
        all = Tensor.zeros((int) size);
        a = new Tensor[model.nLayer][modules];
        b = new Tensor[model.nLayer][modules];
        int next = 0;
        for (int l = 0; l < model.nLayer; l++) {
            for (Conv1dModule m : Conv1dModule.values()) {
                if (!config.adapts(m)) continue;
                int in = m.in(model), out = m.out(model);
                a[l][m.ordinal()] = all.rows(next, next + in * r).reshape(in, r);
                next += in * r;
                b[l][m.ordinal()] = all.rows(next, next + r * out).reshape(r, out);
                next += r * out;
            }
        }
    }

    /** {@code A [in, r]} of module m in block {@code layer}, or null when m is not adapted. */
    public Tensor a(int layer, Conv1dModule m) {
        return a[layer][m.ordinal()];
    }

    /** {@code B [r, out]} of module m in block {@code layer}, or null when m is not adapted. */
    public Tensor b(int layer, Conv1dModule m) {
        return b[layer][m.ordinal()];
    }

    /**
     * PEFT's initialization: {@code A} as {@code nn.init.kaiming_uniform_(a=sqrt(5))} draws a
     * {@code [r, in]} weight, uniform on {@code [-1/sqrt(in), 1/sqrt(in))} (gain sqrt(2/(1+5)),
     * bound gain * sqrt(3/in)); {@code B = 0}, so the adapted model starts as the base model.
     */
    public LoraWeights initialize(Rng rng) {
        all.zero();
        for (int l = 0; l < model.nLayer; l++) {
            for (Conv1dModule m : Conv1dModule.values()) {
                Tensor t = a(l, m);
                if (t == null) continue;
                float bound = (float) (1 / Math.sqrt(m.in(model)));
                t.copyFrom(Tensor.uniform(rng, -bound, bound, t.shape()));
            }
        }
        return this;
    }

    /** Every matrix under its PEFT name, in jdpo's layout ({@code A [in, r]}, {@code B [r, out]}). */
    public Map<String, Tensor> named() {
        Map<String, Tensor> map = new LinkedHashMap<>();
        for (int l = 0; l < model.nLayer; l++) {
            for (Conv1dModule m : Conv1dModule.values()) {
                if (!config.adapts(m)) continue;
                map.put(peftName(l, m, "lora_A"), a(l, m));
                map.put(peftName(l, m, "lora_B"), b(l, m));
            }
        }
        return map;
    }

    /** PEFT's key, e.g. {@code base_model.model.transformer.h.0.attn.c_attn.lora_A.weight}. */
    public static String peftName(int layer, Conv1dModule m, String matrix) {
        return "base_model.model.transformer.h." + layer + "." + m.path + "." + matrix + ".weight";
    }

    /**
     * The adapters paired with their gradients, for the optimizer. Like every weight matrix under
     * Hugging Face's Trainer, they get weight decay.
     */
    public List<Parameter> parameters(LoraWeights grads) {
        if (grads.all.size() != all.size()) throw new IllegalArgumentException("gradients have another layout");
        Map<String, Tensor> g = grads.named();
        List<Parameter> list = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : named().entrySet()) list.add(new Parameter(e.getKey(), e.getValue(), g.get(e.getKey()), true));
        return list;
    }

    /** A zeroed block of the same layout (for gradients). */
    public LoraWeights zerosLike() {
        return new LoraWeights(model, config);
    }
}
