package jdpo.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * TRL's spellings of jdpo's flags (TRL's {@code DPOConfig} and transformers'
 * {@code TrainingArguments} field names), so that a TRL command line can be pasted. Each is
 * rewritten to jdpo's name before parsing; help and error messages then name jdpo's flag. This
 * table is the one place the aliases are written down; {@code train --help} prints it.
 */
final class TrlFlagNames {
    private TrlFlagNames() {}

    /** The DPO flags that {@code train} and {@code score} share ({@link DpoOptions}). */
    private static final Map<String, String> DPO = table(
            "--loss_type", "--loss",
            "--label_smoothing", "--label-smoothing",
            "--discopop_tau", "--discopop-tau",
            "--max_length", "--max-length",
            "--max_prompt_length", "--max-prompt-length",
            "--ref_model", "--ref-model",
            "--reference_free", "--reference-free",
            "--precompute_ref_log_probs", "--precompute-ref",
            "--rpo_alpha", "--rpo-alpha",
            "--model_name_or_path", "--model");

    private static final Map<String, String> TRAIN = with(DPO,
            "--output_dir", "--out",
            "--learning_rate", "--lr",
            "--per_device_train_batch_size", "--batch-size",
            "--per_device_eval_batch_size", "--eval-batch-size",
            "--gradient_accumulation_steps", "--grad-accum",
            "--num_train_epochs", "--epochs",
            "--max_steps", "--max-steps",
            "--warmup_steps", "--warmup-steps",
            "--warmup_ratio", "--warmup-ratio",
            "--lr_scheduler_type", "--lr-schedule",
            "--max_grad_norm", "--max-grad-norm",
            "--weight_decay", "--weight-decay",
            "--adam_beta1", "--adam-beta1",
            "--adam_beta2", "--adam-beta2",
            "--adam_epsilon", "--adam-eps",
            "--optim", "--optimizer",
            "--logging_steps", "--log-every",
            "--save_steps", "--save-every",
            "--eval_steps", "--eval-every",
            // TRL's ModelConfig (its scripts' --use_peft flags)
            "--lora_r", "--lora-r",
            "--lora_alpha", "--lora-alpha",
            "--lora_dropout", "--lora-dropout",
            "--lora_target_modules", "--lora-targets");

    private static final Map<String, String> SCORE = with(DPO,
            "--per_device_eval_batch_size", "--batch-size");

    private static final Map<String, String> SFT = table(
            "--model_name_or_path", "--model",
            "--output_dir", "--out",
            "--learning_rate", "--lr",
            "--per_device_train_batch_size", "--batch-size",
            "--max_steps", "--steps",
            "--warmup_steps", "--warmup-steps",
            "--weight_decay", "--weight-decay",
            "--logging_steps", "--log-every");

    private static final Map<String, Map<String, String>> BY_COMMAND = Map.of("train", TRAIN, "score", SCORE, "sft", SFT);

    /**
     * {@code args} with every TRL spelling of the command's flags ({@code --learning_rate 1e-6} or
     * {@code --learning_rate=1e-6}) rewritten to jdpo's ({@code --lr}). The command is the first
     * argument; anything after a {@code --} is left alone.
     */
    static String[] translate(String[] args) {
        if (args.length == 0) return args;
        Map<String, String> names = BY_COMMAND.get(args[0]);
        if (names == null) return args;
        String[] out = args.clone();
        for (int i = 1; i < out.length && !out[i].equals("--"); i++) {
            int eq = out[i].indexOf('=');
            String name = eq < 0 ? out[i] : out[i].substring(0, eq);
            String ours = names.get(name);
            if (ours != null) out[i] = ours + (eq < 0 ? "" : out[i].substring(eq));
        }
        return out;
    }

    /** The aliases of a command, one line: {@code --learning_rate = --lr, ...}. */
    static String help(String command) {
        return BY_COMMAND.get(command).entrySet().stream()
                .map(e -> e.getKey() + " = " + e.getValue()).collect(Collectors.joining(", "));
    }

    private static Map<String, String> table(String... pairs) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) m.put(pairs[i], pairs[i + 1]);
        return m;
    }

    private static Map<String, String> with(Map<String, String> base, String... pairs) {
        Map<String, String> m = table(pairs);
        m.putAll(base);
        return m;
    }
}
