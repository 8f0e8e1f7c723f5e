package jdpo.cli;

import jdpo.gpt2.Gpt2Checkpoint;
import jdpo.gpt2.Gpt2Params;
import jdpo.io.BadInputException;
import jdpo.lora.LoraMerge;
import jdpo.lora.PeftAdapter;
import jdpo.tokenizer.Tokenizer;

import java.io.PrintWriter;
import java.nio.file.Path;

/** Loads a model directory for a command, printing the loader's warnings on stderr. */
final class ModelLoader {
    private ModelLoader() {}

    static Gpt2Params params(Path dir, PrintWriter err) {
        Gpt2Checkpoint.Loaded loaded = Gpt2Checkpoint.load(dir);
        for (String w : loaded.warnings) err.println("warning: " + w);
        err.flush();
        return loaded.params;
    }

    /**
     * The model in {@code dir} with the PEFT LoRA adapter in {@code adapter} (or none, when null)
     * folded into its weights as it loads: {@code W + (alpha/r) A B}, which computes what base and
     * adapter side by side compute, within float rounding.
     */
    static Gpt2Params params(Path dir, Path adapter, PrintWriter err) {
        Gpt2Params p = params(dir, err);
        return adapter == null ? p : LoraMerge.mergeInto(p, PeftAdapter.read(adapter, p.config));
    }

    /** The tokenizer of a model directory, checked against the model's vocabulary size. */
    static Tokenizer tokenizer(Path dir, Gpt2Params params) {
        Tokenizer tok = Tokenizer.load(dir);
        if (params != null && tok.vocabSize() > params.config.vocabSize) {
            throw new BadInputException(dir.resolve("vocab.json") + ": has " + tok.vocabSize() + " tokens but "
                    + "config.json says vocab_size " + params.config.vocabSize);
        }
        return tok;
    }
}
