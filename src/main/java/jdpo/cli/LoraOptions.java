package jdpo.cli;

import jdpo.io.BadInputException;
import jdpo.lora.LoraConfig;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;

/** The LoRA flags of {@code train}, with PEFT's meanings and defaults. */
final class LoraOptions {

    @Option(names = "--lora-r", defaultValue = "0", paramLabel = "R",
            description = "Train low-rank adapters of rank R (LoRA, as TRL with a PEFT LoraConfig) instead of every weight: "
                    + "each targeted layer becomes x W + b + (alpha/r) (x A) B with W frozen, A [in, R] and B [R, out] trained. "
                    + "The reference model is the same network with the adapters off, so no copy of the weights is kept. "
                    + "Checkpoints hold the adapter in PEFT's format (adapter_config.json, adapter_model.safetensors). "
                    + "0: train every weight. Default: ${DEFAULT-VALUE}.")
    int r;

    @Option(names = "--lora-alpha", paramLabel = "ALPHA",
            description = "The adapter's output is scaled by ALPHA / R. Default: 8 (PEFT's).")
    Double alpha;

    @Option(names = "--lora-targets", split = ",", paramLabel = "NAMES",
            description = "Layers to adapt, as PEFT's target_modules: c_attn, c_proj (the attention's and the MLP's), c_fc, "
                    + "or attn.c_proj / mlp.c_proj for one of the two. Default: c_attn (PEFT's for GPT-2).")
    List<String> targets;

    @Option(names = "--lora-dropout", paramLabel = "P",
            description = "Dropout on the adapter's input; only 0 (PEFT's default) is supported.")
    Double dropout;

    @Option(names = "--merge-lora", paramLabel = "DIR",
            description = "After training, also write a plain Hugging Face GPT-2 directory DIR with the adapter folded into "
                    + "the weights (W + (alpha/r) A B), for tools that know no adapters.")
    Path mergeTo;

    boolean enabled() {
        return r > 0;
    }

    /** The adapter's config, or null without {@code --lora-r}; a flag that needs --lora-r without it is an error. */
    LoraConfig config() {
        if (r < 0) throw new BadInputException("--lora-r must be >= 0, got " + r);
        if (dropout != null && dropout != 0) {
            throw new BadInputException("--lora-dropout " + dropout + ": only 0 is supported (jdpo's LoRA has no dropout)");
        }
        if (!enabled()) {
            if (alpha != null || targets != null || mergeTo != null) {
                throw new BadInputException("--lora-alpha, --lora-targets and --merge-lora need --lora-r");
            }
            return null;
        }
        double a = alpha == null ? 8 : alpha;
        if (!(a > 0) || !Double.isFinite(a)) throw new BadInputException("--lora-alpha must be > 0, got " + a);
        try {
            return LoraConfig.of(r, a, targets == null ? List.of("c_attn") : targets);
        } catch (IllegalArgumentException e) {
            throw new BadInputException("--lora-targets: " + e.getMessage());
        }
    }
}
