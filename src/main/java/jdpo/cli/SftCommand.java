package jdpo.cli;

import jdpo.dpo.SftTrainer;
import jdpo.gpt2.Gpt2;
import jdpo.gpt2.Gpt2Checkpoint;
import jdpo.gpt2.Gpt2Config;
import jdpo.gpt2.Gpt2Params;
import jdpo.io.OutputDirectory;
import jdpo.io.BadInputException;
import jdpo.io.Jsonl;
import jdpo.optim.AdamW;
import jdpo.tensor.Kernels;
import jdpo.tensor.Rng;
import jdpo.tokenizer.BpeTrainer;
import jdpo.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "sft",
        description = {
            "Supervised training with next-token cross-entropy: how a base model learns its language.",
            "",
            "Either continues --model, or starts a new GPT-2 of the given shape: then a byte-level "
                + "BPE vocabulary of --vocab-size tokens is first learned from the same data. Writes --out "
                + "as a Hugging Face model directory. This is how weights/tiny, the demo's base model, is "
                + "made."},
        mixinStandardHelpOptions = true, sortOptions = false)
final class SftCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--data", required = true, paramLabel = "FILE",
            description = "Training text: one example per line, or JSON lines with a \"text\" field (*.jsonl).")
    Path data;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output model directory (replaced whole when done).")
    Path out;

    @Option(names = "--model", paramLabel = "DIR", description = "Continue this model; without it a new one is made.")
    Path model;

    @Option(names = "--n-layer", defaultValue = "4", description = "New model: blocks. Default: ${DEFAULT-VALUE}.")
    int nLayer;

    @Option(names = "--n-head", defaultValue = "4", description = "New model: attention heads. Default: ${DEFAULT-VALUE}.")
    int nHead;

    @Option(names = "--n-embd", defaultValue = "128", description = "New model: width C. Default: ${DEFAULT-VALUE}.")
    int nEmbd;

    @Option(names = "--n-positions", defaultValue = "64", description = "New model: context length. Default: ${DEFAULT-VALUE}.")
    int nPositions;

    @Option(names = "--vocab-size", defaultValue = "1024", description = "New model: BPE vocabulary size (256 bytes + merges + <|endoftext|>). Default: ${DEFAULT-VALUE}.")
    int vocabSize;

    @Option(names = "--steps", defaultValue = "1000", description = "Optimizer steps. Default: ${DEFAULT-VALUE}.")
    int steps;

    @Option(names = "--batch-size", defaultValue = "32", description = "Texts per step. Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--lr", defaultValue = "1e-3", description = "Peak learning rate (AdamW, cosine decay after warm-up). Default: ${DEFAULT-VALUE}.")
    double lr;

    @Option(names = "--warmup-steps", defaultValue = "50", description = "Default: ${DEFAULT-VALUE}.")
    int warmupSteps;

    @Option(names = "--weight-decay", defaultValue = "0.1", description = "Default: ${DEFAULT-VALUE}.")
    double weightDecay;

    @Option(names = "--seed", defaultValue = "1", description = "Initial weights and batch order. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--log-every", defaultValue = "50", description = "Default: ${DEFAULT-VALUE}.")
    int logEvery;

    @Mixin
    RuntimeOptions runtime = new RuntimeOptions();

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        if (steps < 1 || batchSize < 1) throw new BadInputException("--steps and --batch-size must be at least 1");
        Limits.atMost("--steps", steps, Limits.MAX_STEPS);
        Limits.atMost("--batch-size", batchSize, Limits.MAX_BATCH);
        if (!(lr > 0) || !Double.isFinite(lr)) throw new BadInputException("--lr must be > 0, got " + lr);
        if (!(weightDecay >= 0) || !Double.isFinite(weightDecay)) throw new BadInputException("--weight-decay must be >= 0, got " + weightDecay);
        if (logEvery < 1) throw new BadInputException("--log-every must be at least 1");
        List<String> texts = readTexts(data);
        Kernels kernels = runtime.create();
        // sft rewrites its own model files, so an sft folder may be written again (and continued: --model = --out).
        try (OutputDirectory dir = OutputDirectory.claim(out, "sft", true);
             Interruption interruption = Interruption.install(err)) {
            long t0 = System.nanoTime();
            Tokenizer tok;
            Gpt2Params params;
            if (model != null) {
                params = ModelLoader.params(model, err);
                tok = ModelLoader.tokenizer(model, params);
            } else {
                err.printf("learning a %d-token BPE vocabulary from %d texts ...%n", vocabSize, texts.size());
                err.flush();
                tok = BpeTrainer.train(texts, vocabSize);
                Gpt2Config config = new Gpt2Config(nLayer, nHead, nEmbd, nPositions, tok.vocabSize(), 1e-5f, tok.eosId(), tok.eosId());
                params = new Gpt2Params(config).initialize(new Rng(seed));
            }
            interruption.check("nothing was trained yet; " + out + " is as it was");
            List<int[]> ids = new ArrayList<>(texts.size());
            for (String t : texts) ids.add(tok.encode(t));
            err.println("model: " + params.config);
            Gpt2 gpt = Gpt2.trainable(params, kernels);
            train(gpt, ids, tok, dir, interruption, err);
            double finalLoss = SftTrainer.evaluate(gpt, ids.subList(0, Math.min(ids.size(), 512)), tok.eosId(), 64);
            save(dir, params, tok);
            err.printf(Locale.ROOT, "saved %s: cross-entropy %.4f on the first %d texts, %.1f s%n", out, finalLoss,
                    Math.min(ids.size(), 512), (System.nanoTime() - t0) / 1e9);
            return 0;
        } finally {
            kernels.parallel().close();
        }
    }

    /** The training loop; a signal saves the model of the last finished step and stops. */
    private void train(Gpt2 gpt, List<int[]> ids, Tokenizer tok, OutputDirectory dir, Interruption interruption, PrintWriter err)
            throws IOException {
        SftTrainer.Settings s = new SftTrainer.Settings();
        s.steps = steps;
        s.batchSize = batchSize;
        s.lr = lr;
        s.warmupSteps = warmupSteps;
        s.seed = seed;
        double[] smoothed = {Double.NaN};
        new SftTrainer(gpt, new AdamW(0.9, 0.95, 1e-8, weightDecay, gpt.kernels().parallel()), ids, tok.eosId(), s)
                .train((step, loss, rate, norm, tokens, sec) -> {
                    smoothed[0] = Double.isNaN(smoothed[0]) ? loss : 0.95 * smoothed[0] + 0.05 * loss;
                    if (step % logEvery == 0 || step == steps || interruption.requested()) {
                        err.printf(Locale.ROOT, "step %5d/%d  loss %.4f (smoothed %.4f)  lr %.2e  grad_norm %.3f  %.0f tok/s%n",
                                step, steps, loss, smoothed[0], rate, norm, tokens / sec);
                        err.flush();
                    }
                    if (interruption.requested() && step < steps) {
                        save(dir, gpt.params, tok);
                        interruption.check("saved the model of step " + step + " of " + steps + " in " + out
                                + "; continue training it with --model " + out);
                    }
                });
    }

    /** Writes the model's files into {@code --out} together, leaving anything else there alone. */
    private static void save(OutputDirectory dir, Gpt2Params params, Tokenizer tok) {
        dir.writeFiles(tmp -> {
            Gpt2Checkpoint.writeInto(tmp, params);
            tok.save(tmp);
        });
    }

    static List<String> readTexts(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new BadInputException(file + ": no such file");
        List<String> texts = new ArrayList<>();
        if (file.toString().endsWith(".jsonl")) {
            for (Jsonl.Line line : Jsonl.readLines(file)) {
                var e = line.object().get("text");
                if (e == null || !e.isJsonPrimitive()) throw new BadInputException(line.where() + ": missing string field \"text\"");
                texts.add(e.getAsString());
            }
        } else {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) if (!line.isBlank()) texts.add(line);
        }
        if (texts.isEmpty()) throw new BadInputException(file + ": no texts");
        return texts;
    }
}
