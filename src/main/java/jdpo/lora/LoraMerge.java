package jdpo.lora;

import jdpo.gpt2.Conv1dModule;
import jdpo.gpt2.Gpt2Params;
import jdpo.tensor.Tensor;

/**
 * Folds an adapter into its base model: {@code W' = W + (alpha/r) A B} for every adapted module,
 * giving a plain GPT-2 that computes what base plus adapter computed (up to float rounding),
 * with no adapter left to run. In the Conv1D layout {@code A B} is {@code [in, out]}, the
 * shape of W itself.
 */
public final class LoraMerge {
    private LoraMerge() {}

    /** A new parameter block: {@code base} with {@code adapter} folded in; base is not changed. */
    public static Gpt2Params merged(Gpt2Params base, LoraWeights adapter) {
        return mergeInto(base.copy(), adapter);
    }

    /** Folds {@code adapter} into {@code p} itself (no second copy of the weights); returns p. */
    public static Gpt2Params mergeInto(Gpt2Params p, LoraWeights adapter) {
        float s = adapter.config.scale();
        for (int l = 0; l < p.h.length; l++) {
            for (Conv1dModule m : Conv1dModule.values()) {
                if (adapter.config.adapts(m)) addScaledProduct(m.weight(p.h[l]), adapter.a(l, m), adapter.b(l, m), s);
            }
        }
        return p;
    }

    /** {@code w += s (a b)} with w [in, out], a [in, r], b [r, out]. */
    static void addScaledProduct(Tensor w, Tensor a, Tensor b, float s) {
        int in = a.dim(0), r = a.dim(1), out = b.dim(1);
        for (int i = 0; i < in; i++) {
            for (int j = 0; j < out; j++) {
                float ab = 0f;
                for (int q = 0; q < r; q++) ab += a.data[a.offset + i * r + q] * b.data[b.offset + q * out + j];
                w.data[w.offset + i * out + j] += s * ab;
            }
        }
    }
}
