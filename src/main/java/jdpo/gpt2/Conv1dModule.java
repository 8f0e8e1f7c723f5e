package jdpo.gpt2;

import jdpo.tensor.Tensor;

/**
 * The four linear (Conv1D) layers of a GPT-2 block, the places a LoRA adapter can go, each with its
 * Hugging Face name inside {@code h.{i}.} and its shape {@code [in, out]}.
 */
public enum Conv1dModule {
    ATTN_C_ATTN("attn.c_attn"),
    ATTN_C_PROJ("attn.c_proj"),
    MLP_C_FC("mlp.c_fc"),
    MLP_C_PROJ("mlp.c_proj");

    /** The name inside a block, as in {@code transformer.h.0.attn.c_attn}. */
    public final String path;

    Conv1dModule(String path) {
        this.path = path;
    }

    /** Input features: C, except the MLP's projection, which reads the 4C hidden units. */
    public int in(Gpt2Config c) {
        return this == MLP_C_PROJ ? c.nInner : c.nEmbd;
    }

    /** Output features: 3C for q, k, v together, 4C for the MLP's hidden layer, else C. */
    public int out(Gpt2Config c) {
        switch (this) {
            case ATTN_C_ATTN: return 3 * c.nEmbd;
            case MLP_C_FC: return c.nInner;
            default: return c.nEmbd;
        }
    }

    /** The base weight {@code [in, out]} of this module in block {@code b}. */
    public Tensor weight(Gpt2Params.Block b) {
        switch (this) {
            case ATTN_C_ATTN: return b.attnWeight;
            case ATTN_C_PROJ: return b.attnProjWeight;
            case MLP_C_FC: return b.fcWeight;
            default: return b.fcProjWeight;
        }
    }

    /** The base bias {@code [out]} of this module in block {@code b}. */
    public Tensor bias(Gpt2Params.Block b) {
        switch (this) {
            case ATTN_C_ATTN: return b.attnBias;
            case ATTN_C_PROJ: return b.attnProjBias;
            case MLP_C_FC: return b.fcBias;
            default: return b.fcProjBias;
        }
    }
}
