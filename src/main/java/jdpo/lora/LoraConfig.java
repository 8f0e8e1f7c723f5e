package jdpo.lora;

import jdpo.gpt2.Conv1dModule;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * What PEFT's {@code LoraConfig} says about an adapter: rank r, {@code lora_alpha}, and the
 * modules it adapts. The adapter's output is scaled by {@code alpha / r}.
 *
 * <p>Targets are named as PEFT's {@code target_modules}: a name matches every module whose full
 * name ends with it at a dot, so {@code c_proj} adapts both {@code attn.c_proj} and
 * {@code mlp.c_proj}, while {@code attn.c_proj} adapts only the first.
 *
 * @param targetNames the names as given (written back to {@code adapter_config.json})
 * @param modules     the modules they match
 */
public record LoraConfig(int r, double alpha, List<String> targetNames, Set<Conv1dModule> modules) {

    public LoraConfig {
        if (r < 1) throw new IllegalArgumentException("the LoRA rank must be at least 1, got " + r);
        if (!(alpha > 0) || !Double.isFinite(alpha)) throw new IllegalArgumentException("lora_alpha must be > 0, got " + alpha);
        if (modules.isEmpty()) throw new IllegalArgumentException("no target modules");
        targetNames = List.copyOf(targetNames);
        modules = Set.copyOf(modules);
    }

    /** A config adapting the modules {@code targets} names (see the class comment). */
    public static LoraConfig of(int r, double alpha, List<String> targets) {
        return new LoraConfig(r, alpha, targets, match(targets));
    }

    /** The scale {@code alpha / r} of the adapter's output. */
    public float scale() {
        return (float) (alpha / r);
    }

    public boolean adapts(Conv1dModule m) {
        return modules.contains(m);
    }

    /**
     * The modules matched by PEFT-style target names; a name that matches no module of a GPT-2
     * block is an error, as it is in PEFT.
     */
    public static Set<Conv1dModule> match(List<String> targets) {
        if (targets.isEmpty()) throw new IllegalArgumentException("no target modules given");
        Set<Conv1dModule> found = EnumSet.noneOf(Conv1dModule.class);
        List<String> unknown = new ArrayList<>();
        for (String t : targets) {
            boolean any = false;
            for (Conv1dModule m : Conv1dModule.values()) {
                if (m.path.equals(t) || m.path.endsWith("." + t)) {
                    found.add(m);
                    any = true;
                }
            }
            if (!any) unknown.add(t);
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("target module(s) " + unknown + " match no linear layer of GPT-2; valid: "
                    + "c_attn, c_proj, c_fc (or attn.c_attn, attn.c_proj, mlp.c_fc, mlp.c_proj)");
        }
        return found;
    }

    @Override
    public String toString() {
        return "LoRA r=" + r + " alpha=" + (alpha == Math.rint(alpha) ? String.valueOf((long) alpha) : String.valueOf(alpha))
                + " on " + String.join(",", targetNames);
    }
}
