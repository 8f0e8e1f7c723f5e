package jdpo.cli;

import com.google.gson.JsonObject;
import jdpo.dpo.DpoLoss;
import jdpo.dpo.DpoStep;
import jdpo.dpo.DpoTrainer;
import jdpo.dpo.EncodedPair;
import jdpo.dpo.LossType;
import jdpo.dpo.ModelReference;
import jdpo.dpo.PairEncoder;
import jdpo.dpo.PrecomputedReference;
import jdpo.dpo.PreferenceData;
import jdpo.dpo.Reference;
import jdpo.dpo.RpoTerm;
import jdpo.dpo.StepMetrics;
import jdpo.dpo.TrainingCheckpoint;
import jdpo.gpt2.Gpt2;
import jdpo.gpt2.Gpt2Params;
import jdpo.io.BadInputException;
import jdpo.io.Jsonl;
import jdpo.lora.LoraConfig;
import jdpo.lora.LoraLayers;
import jdpo.lora.LoraMerge;
import jdpo.lora.LoraWeights;
import jdpo.lora.PeftAdapter;
import jdpo.optim.AdamW;
import jdpo.optim.Optimizer;
import jdpo.optim.Sgd;
import jdpo.report.Charts;
import jdpo.tensor.Kernels;
import jdpo.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "train",
        description = {
            "DPO fine-tuning of a GPT-2 on preference pairs.",
            "",
            "For each pair (prompt x, chosen y_w, rejected y_l) DPO raises log pi(y_w|x) - log "
                + "pi_ref(y_w|x) relative to log pi(y_l|x) - log pi_ref(y_l|x). The loss is -log "
                + "sigmoid(beta * difference); the reference pi_ref is a frozen copy of the starting model. "
                + "Flags keep TRL's names and defaults.",
            "",
            "Writes --out as a Hugging Face model directory (config.json, model.safetensors, "
                + "vocab.json, merges.txt) plus optimizer.safetensors and trainer_state.json for --resume, "
                + "metrics.jsonl and PNG charts. Checkpoints are swapped in whole: a crash never leaves "
                + "half of one."},
        mixinStandardHelpOptions = true, sortOptions = false)
final class TrainCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Starting model (Hugging Face GPT-2 directory).")
    Path model;

    @Option(names = "--data", required = true, paramLabel = "FILE", description = "Training pairs, JSON lines with prompt, chosen, rejected (or only chosen and rejected, both starting with the prompt, as TRL reads them).")
    Path data;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory (created; must be new unless --resume).")
    Path out;

    @Option(names = "--eval-data", paramLabel = "FILE", description = "Held-out pairs, evaluated at --eval-every and at the end.")
    Path evalData;

    @Mixin
    DpoOptions dpo = new DpoOptions();

    @Mixin
    LoraOptions lora = new LoraOptions();

    @Option(names = "--optimizer", defaultValue = "adamw", paramLabel = "NAME",
            description = "adamw (PyTorch's AdamW, no decay on biases and LayerNorm weights) or sgd (plain p -= lr*g). Default: ${DEFAULT-VALUE}.")
    String optimizer;

    @Option(names = "--lr", defaultValue = "1e-6", paramLabel = "LR", description = "Peak learning rate. Default: ${DEFAULT-VALUE} (TRL's).")
    double lr;

    @Option(names = "--weight-decay", defaultValue = "0.0", paramLabel = "WD", description = "Decoupled weight decay (AdamW). Default: ${DEFAULT-VALUE}.")
    double weightDecay;

    @Option(names = "--adam-beta1", defaultValue = "0.9", paramLabel = "B1", description = "Default: ${DEFAULT-VALUE}.")
    double adamBeta1;

    @Option(names = "--adam-beta2", defaultValue = "0.999", paramLabel = "B2", description = "Default: ${DEFAULT-VALUE}.")
    double adamBeta2;

    @Option(names = "--adam-eps", defaultValue = "1e-8", paramLabel = "EPS", description = "Default: ${DEFAULT-VALUE}.")
    double adamEps;

    @Option(names = "--max-grad-norm", defaultValue = "1.0", paramLabel = "N",
            description = "Clip the global gradient norm to N; 0 turns clipping off. Default: ${DEFAULT-VALUE}.")
    double maxGradNorm;

    @Option(names = "--lr-schedule", defaultValue = "linear", paramLabel = "NAME",
            description = "constant, linear (decay to 0) or cosine, after --warmup-steps. Default: ${DEFAULT-VALUE}.")
    String schedule;

    @Option(names = "--warmup-steps", defaultValue = "0", paramLabel = "N", description = "Linear warm-up steps. Default: ${DEFAULT-VALUE}.")
    int warmupSteps;

    @Option(names = "--batch-size", defaultValue = "8", paramLabel = "PAIRS", description = "Pairs per forward pass (2x rows). Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--grad-accum", defaultValue = "1", paramLabel = "N", description = "Batches per optimizer step. Default: ${DEFAULT-VALUE}.")
    int gradAccum;

    @Option(names = "--max-steps", defaultValue = "0", paramLabel = "N", description = "Optimizer steps; 0 means use --epochs.")
    int maxSteps;

    @Option(names = "--epochs", defaultValue = "1", paramLabel = "E", description = "Passes over the data when --max-steps is 0. Default: ${DEFAULT-VALUE}.")
    double epochs;

    @Option(names = "--seed", defaultValue = "42", paramLabel = "N", description = "Fixes the data order. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--metrics", paramLabel = "FILE",
            description = "Metrics JSON lines (default: OUT/metrics.jsonl). Only step_time_s and tokens_per_s measure "
                    + "wall-clock time; every other field is the same in every run with the same flags and --threads.")
    Path metrics;

    @Option(names = "--log-every", defaultValue = "1", paramLabel = "N", description = "Print and log metrics every N steps. Default: ${DEFAULT-VALUE}.")
    int logEvery;

    @Option(names = "--save-every", defaultValue = "0", paramLabel = "N", description = "Checkpoint every N steps (0: only at the end).")
    int saveEvery;

    @Option(names = "--eval-every", defaultValue = "0", paramLabel = "N", description = "Evaluate every N steps (0: only at the end).")
    int evalEvery;

    @Option(names = "--resume", description = "Continue from the checkpoint in --out (weights, optimizer, step, data order).")
    boolean resume;

    @Option(names = "--stop-after", defaultValue = "0", paramLabel = "N",
            description = "Stop after step N with a checkpoint, as if interrupted; the same command with --resume "
                    + "then finishes the run exactly as an uninterrupted one would (0: run to the end).")
    int stopAfter;

    @Option(names = "--no-progress", description = "No progress bar (log lines only).")
    boolean noProgress;

    @Option(names = "--json", description = "Print the final metrics as one JSON object.")
    boolean json;

    @Mixin
    RuntimeOptions runtime = new RuntimeOptions();

    @Override
    public Integer call() throws Exception {
        PrintWriter outW = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        validate();
        Kernels kernels = runtime.create();
        try {
            return run(outW, err, kernels);
        } finally {
            kernels.parallel().close();
        }
    }

    private void validate() {
        dpo.validate();
        lora.config();
        if (!(lr >= 0) || !Double.isFinite(lr)) throw new BadInputException("--lr must be >= 0, got " + lr);
        if (batchSize < 1) throw new BadInputException("--batch-size must be at least 1, got " + batchSize);
        if (gradAccum < 1) throw new BadInputException("--grad-accum must be at least 1, got " + gradAccum);
        if (maxSteps < 0) throw new BadInputException("--max-steps must be >= 0, got " + maxSteps);
        if (maxSteps == 0 && !(epochs > 0)) throw new BadInputException("--epochs must be > 0, got " + epochs);
        if (!(maxGradNorm >= 0)) throw new BadInputException("--max-grad-norm must be >= 0, got " + maxGradNorm);
        if (warmupSteps < 0) throw new BadInputException("--warmup-steps must be >= 0, got " + warmupSteps);
        if (!(weightDecay >= 0)) throw new BadInputException("--weight-decay must be >= 0, got " + weightDecay);
        if (logEvery < 1) throw new BadInputException("--log-every must be at least 1, got " + logEvery);
        if (saveEvery < 0 || evalEvery < 0) throw new BadInputException("--save-every and --eval-every must be >= 0");
        if (stopAfter < 0) throw new BadInputException("--stop-after must be >= 0, got " + stopAfter);
        if (!optimizer.equals("adamw") && !optimizer.equals("sgd")) {
            throw new BadInputException("--optimizer: unknown optimizer '" + optimizer + "'; valid: adamw, sgd");
        }
        try {
            jdpo.optim.LrSchedule.Shape.parse(schedule);
        } catch (IllegalArgumentException e) {
            throw new BadInputException("--lr-schedule: " + e.getMessage());
        }
    }

    private Integer run(PrintWriter outW, PrintWriter err, Kernels kernels) throws Exception {
        boolean resuming = checkOut();
        Gpt2Params start = ModelLoader.params(model, err);
        Tokenizer tok = ModelLoader.tokenizer(model, start);
        LossType lossType = dpo.lossType();
        boolean average = dpo.averageLogps || lossType.averagesLogps();

        PairEncoder encoder = new PairEncoder(tok, dpo.maxLength, dpo.maxPromptLength, start.config.nPositions);
        List<EncodedPair> train = encode(PreferenceData.read(data), encoder, data, err);
        List<EncodedPair> eval = evalData == null ? List.of() : encode(PreferenceData.read(evalData), encoder, evalData, err);

        int startStep = 0;
        Gpt2Params policyParams = start;
        TrainingCheckpoint.Saved saved = null;
        if (resuming) {
            saved = TrainingCheckpoint.load(out);
            policyParams = saved.params;
            startStep = saved.step;
        }
        LoraConfig loraConfig = lora.config();
        if (saved != null && (saved.params == null) != (loraConfig != null)) {
            throw new BadInputException(out + ": the checkpoint holds " + (saved.params == null ? "a LoRA adapter; resume it with the same --lora-* flags"
                    : "a whole model; resume it without --lora-r"));
        }
        // LoRA: the base weights stay as loaded and only the adapter trains.
        LoraWeights adapter = loraConfig == null ? null : loraAdapter(loraConfig, saved != null, start);
        Gpt2 policy = adapter != null ? Gpt2.withAdapters(start, new LoraLayers(adapter, true), kernels)
                : Gpt2.trainable(policyParams, kernels);

        Reference reference;
        Reference evalReference;
        if (dpo.referenceFree) {
            reference = evalReference = Reference.NONE;
        } else {
            // Under LoRA the base weights never change, so the reference shares them: the same
            // network with the adapters off, and no copy.
            Gpt2Params refParams = dpo.refModel != null ? ModelLoader.params(dpo.refModel, err)
                    : loraConfig != null ? start : start.copy();
            if (refParams.config.vocabSize != start.config.vocabSize) {
                throw new BadInputException(dpo.refModel + ": vocabulary of " + refParams.config.vocabSize
                        + " differs from the policy's " + start.config.vocabSize);
            }
            String what = dpo.refModel != null ? dpo.refModel.toString()
                    : loraConfig != null ? model + " with the adapters off (its weights, shared)" : "frozen copy of " + model;
            Reference live = new ModelReference(refParams, kernels, average, what);
            if (dpo.precomputeRef) {
                err.println("precomputing reference log-probs for " + train.size() + " pairs ...");
                reference = new PrecomputedReference(live, train, batchSize, tok.eosId(), null);
                evalReference = eval.isEmpty() ? Reference.NONE : new PrecomputedReference(live, eval, batchSize, tok.eosId(), null);
            } else {
                reference = evalReference = live;
            }
        }
        DpoLoss loss = dpo.loss();
        RpoTerm rpo = dpo.rpoAlpha > 0 ? new RpoTerm(dpo.rpoAlpha) : null;
        DpoStep step = new DpoStep(policy, reference, loss, average, rpo);
        DpoStep evalStep = eval.isEmpty() ? null : new DpoStep(policy, evalReference, loss, average, rpo);

        Optimizer opt = optimizer.equals("sgd") ? new Sgd()
                : new AdamW(adamBeta1, adamBeta2, adamEps, weightDecay, kernels.parallel());
        if (saved != null) {
            loadOptimizer(opt, saved, policy);
            err.println("resuming " + out + " at step " + startStep);
        }

        DpoTrainer.Settings s = new DpoTrainer.Settings();
        s.batchSize = batchSize;
        s.gradAccum = gradAccum;
        s.maxSteps = maxSteps;
        s.epochs = epochs;
        s.lr = lr;
        s.maxGradNorm = maxGradNorm;
        s.warmupSteps = warmupSteps;
        s.schedule = schedule;
        s.seed = seed;
        DpoTrainer trainer = new DpoTrainer(policy, step, opt, train, tok.eosId(), s);
        JsonObject settings = settingsJson(train.size(), trainer.totalSteps());
        if (saved != null) checkSameRun(saved.state, settings, err);

        createDirectories(out, "output directory");
        Path metricsFile = metrics != null ? metrics : out.resolve("metrics.jsonl");
        if (metricsFile.toAbsolutePath().getParent() != null) createDirectories(metricsFile.toAbsolutePath().getParent(), "metrics directory");
        MetricsLog log = new MetricsLog(metricsFile, startStep);
        Charts.TrainingCurves curves = new Charts.TrainingCurves();
        log.replayInto(curves);

        err.printf(Locale.ROOT, "policy: %s%nreference: %s%nloss: %s, %s log-probs%ndata: %d pairs, %d steps of %d pair(s) x %d%n",
                loraConfig == null ? start.config : start.config + ", frozen, with " + loraConfig + " ("
                        + adapter.all.size() + " trainable parameters)", reference.describe(), loss, average ? "per-token average" : "summed",
                train.size(), trainer.totalSteps(), batchSize, gradAccum);
        err.flush();
        StepMetrics[] last = new StepMetrics[1];
        int endStep = stopAfter > 0 ? Math.min(Math.max(stopAfter, startStep), trainer.totalSteps()) : trainer.totalSteps();
        int[] lastSaved = {startStep};
        try (TrainingProgress progress = new TrainingProgress(trainer.totalSteps(), startStep, !noProgress, err)) {
            trainer.train(startStep, endStep, (n, m) -> {
                last[0] = m;
                // Evaluation and the last log line belong to the run's true end, not to --stop-after,
                // so that a stopped and resumed run logs exactly what a straight one does.
                boolean end = n == trainer.totalSteps();
                if (evalStep != null && (end || (evalEvery > 0 && n % evalEvery == 0))) {
                    for (var e : DpoTrainer.evaluate(evalStep, eval, batchSize, tok.eosId()).asMap().entrySet()) m.put(e.getKey(), e.getValue());
                }
                progress.step(n, m);
                if (n % logEvery == 0 || end) {
                    log.write(m);
                    curves.add(n, m.asMap());
                    progress.println(TrainingProgress.line(m));
                }
                if (end || n == endStep || (saveEvery > 0 && n % saveEvery == 0)) {
                    if (adapter != null) TrainingCheckpoint.save(out, tmp -> PeftAdapter.writeInto(tmp, adapter, model.toString()), tok, opt, n, settings);
                    else TrainingCheckpoint.save(out, policy.params, tok, opt, n, settings);
                    lastSaved[0] = n;
                }
            });
        } catch (jdpo.dpo.NonFiniteException e) {
            throw new jdpo.dpo.NonFiniteException(e.getMessage() + "; " + (lastSaved[0] > 0
                    ? out + " holds the checkpoint of step " + lastSaved[0] : "no checkpoint was saved"));
        }
        if (endStep <= startStep) err.println("nothing to do: " + out + " is already at step " + startStep);
        if (endStep < trainer.totalSteps()) {
            err.println("stopped after step " + endStep + " of " + trainer.totalSteps()
                    + " (--stop-after); the same command with --resume finishes the run");
        }
        curves.write(out);
        if (lora.mergeTo != null && endStep == trainer.totalSteps()) {
            Gpt2Params merged = LoraMerge.merged(start, adapter);
            jdpo.io.AtomicFiles.replaceDirectory(lora.mergeTo, tmp -> {
                jdpo.gpt2.Gpt2Checkpoint.writeInto(tmp, merged);
                tok.save(tmp);
            });
            err.println("saved " + lora.mergeTo + " (the adapter merged into " + model + ")");
        }
        if (json && last[0] != null) outW.println(last[0].toJson());
        err.println("saved " + out);
        err.flush();
        outW.flush();
        return 0;
    }

    private List<EncodedPair> encode(List<jdpo.dpo.PreferencePair> pairs, PairEncoder encoder, Path file, PrintWriter err) {
        List<EncodedPair> list = new ArrayList<>(pairs.size());
        int truncated = 0;
        for (var p : pairs) {
            EncodedPair e = encoder.encode(p);
            if (e.truncated) truncated++;
            list.add(e);
        }
        if (truncated > 0) {
            err.printf("warning: %s: %d of %d pairs truncated to fit --max-length %d / --max-prompt-length %d%n",
                    file, truncated, pairs.size(), encoder.maxLength(), dpo.maxPromptLength);
        }
        return list;
    }

    private JsonObject settingsJson(int pairs, int totalSteps) {
        JsonObject o = new JsonObject();
        o.addProperty("model", model.toString());
        o.addProperty("data", data.toString());
        o.addProperty("pairs", pairs);
        o.addProperty("total_steps", totalSteps);
        o.addProperty("batch_size", batchSize);
        o.addProperty("grad_accum", gradAccum);
        o.addProperty("seed", seed);
        o.addProperty("optimizer", optimizer);
        o.addProperty("lr", lr);
        o.addProperty("lr_schedule", schedule);
        o.addProperty("warmup_steps", warmupSteps);
        o.addProperty("beta", dpo.beta);
        o.addProperty("loss", dpo.lossType().trlName());
        if (lora.enabled()) o.addProperty("lora", lora.config().toString());
        return o;
    }

    private static void checkSameRun(JsonObject savedState, JsonObject now, PrintWriter err) {
        JsonObject was = savedState.getAsJsonObject("settings");
        if (was == null) return;
        for (String key : now.keySet()) {
            if (key.equals("model")) continue;
            if (was.has(key) && !was.get(key).equals(now.get(key))) {
                err.println("warning: resuming with " + key + " = " + now.get(key) + " (the checkpoint was made with " + was.get(key)
                        + "); the run will not match a straight one");
            }
        }
    }

    /**
     * Refuses an {@code --out} whose replacement would destroy something the user had: the model
     * or reference being read, a file, or a directory of other things (each save swaps the whole
     * directory). Returns whether {@code --out} holds a checkpoint to resume.
     */
    private boolean checkOut() throws java.io.IOException {
        Path[][] inputs = {{model, Path.of("--model")}, {dpo.refModel, Path.of("--ref-model")}};
        for (Path[] in : inputs) {
            if (in[0] != null && Files.exists(out) && Files.exists(in[0]) && Files.isSameFile(out, in[0])) {
                throw new BadInputException(out + ": --out is the " + in[1] + " directory; training would overwrite the model it reads");
            }
        }
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new BadInputException(out + ": exists and is not a directory; choose a new --out");
        }
        boolean resuming = resume && TrainingCheckpoint.exists(out);
        if (!resume && Files.exists(out) && !isEmptyDir(out)) {
            throw new BadInputException(out + ": already exists and is not empty; pass --resume to continue it, or choose a new --out");
        }
        if (resume && !resuming && Files.exists(out)) {
            try (var s = Files.list(out)) {
                // A run stopped before its first checkpoint leaves only its metrics; anything else is not ours.
                if (s.anyMatch(f -> !f.getFileName().toString().equals("metrics.jsonl"))) {
                    throw new BadInputException(out + ": holds no checkpoint to resume (no " + TrainingCheckpoint.STATE
                            + ") but other files; choose a new --out");
                }
            }
        }
        if (metrics != null) checkMetrics(resuming);
        if (lora.mergeTo != null) {
            if (Files.exists(lora.mergeTo) && !isEmptyDir(lora.mergeTo)) {
                throw new BadInputException(lora.mergeTo + ": already exists and is not empty; --merge-lora writes a new model directory");
            }
            if (Files.exists(lora.mergeTo) && Files.exists(out) && Files.isSameFile(lora.mergeTo, out)) {
                throw new BadInputException(lora.mergeTo + ": --merge-lora is the --out directory; choose another");
            }
        }
        return resuming;
    }

    /** A fresh run starts its --metrics file from nothing, so it must not be a file the user has. */
    private void checkMetrics(boolean resuming) throws java.io.IOException {
        if (Files.isDirectory(metrics)) throw new BadInputException(metrics + ": --metrics is a directory; it names a .jsonl file");
        for (Path in : new Path[] {data, evalData}) {
            if (in != null && Files.exists(metrics) && Files.exists(in) && Files.isSameFile(metrics, in)) {
                throw new BadInputException(metrics + ": --metrics is the " + (in == data ? "--data" : "--eval-data") + " file");
            }
        }
        if (!resuming && Files.exists(metrics)) {
            throw new BadInputException(metrics + ": already exists; a new run writes a new --metrics file (or pass --resume)");
        }
    }

    /** A resumed run's adapter from --out, or a new one with PEFT's initialization drawn from --seed. */
    private LoraWeights loraAdapter(LoraConfig config, boolean resuming, Gpt2Params base) {
        if (!resuming) return new LoraWeights(base.config, config).initialize(new jdpo.tensor.Rng(seed));
        LoraWeights adapter = PeftAdapter.read(out, base.config);
        if (!adapter.config.equals(config)) {
            throw new BadInputException(out + ": the checkpoint's adapter is " + adapter.config + ", not " + config);
        }
        return adapter;
    }

    /** Loads a checkpoint's optimizer state, refusing one of another optimizer or of other parameters. */
    private void loadOptimizer(Optimizer opt, TrainingCheckpoint.Saved saved, Gpt2 policy) {
        Path stateFile = out.resolve(TrainingCheckpoint.STATE), optFile = out.resolve(TrainingCheckpoint.OPTIMIZER);
        String was = jdpo.io.Json.optionalString(saved.state, "optimizer", opt.name(), stateFile);
        if (!was.equals(opt.name())) {
            throw new BadInputException(out + ": the checkpoint was trained with --optimizer " + was + "; resume it with the same optimizer");
        }
        int steps = jdpo.io.Json.requireInt(saved.state, "optimizer_steps", stateFile);
        var params = new java.util.LinkedHashMap<String, jdpo.tensor.Tensor>();
        for (var p : policy.parameters()) params.put(p.name, p.value);
        for (var e : saved.optimizerState.entrySet()) {
            // State tensors are named <kind>.<parameter> and shaped like their parameter.
            jdpo.tensor.Tensor p = params.get(e.getKey().substring(e.getKey().indexOf('.') + 1));
            if (p == null || !p.sameShape(e.getValue())) {
                throw new BadInputException(optFile + ": tensor " + jdpo.io.Json.quote(e.getKey()) + " "
                        + java.util.Arrays.toString(e.getValue().shape()) + " matches no parameter of the model");
            }
        }
        if (opt instanceof AdamW && steps > 0) {
            for (String name : params.keySet()) {
                if (!saved.optimizerState.containsKey(AdamW.EXP_AVG + name) || !saved.optimizerState.containsKey(AdamW.EXP_AVG_SQ + name)) {
                    throw new BadInputException(optFile + ": no AdamW moments for " + name);
                }
            }
        }
        try {
            opt.loadState(saved.optimizerState, steps);
        } catch (IllegalArgumentException e) {
            throw new BadInputException(optFile + ": " + e.getMessage(), e);
        }
    }

    private static void createDirectories(Path dir, String what) {
        try {
            Files.createDirectories(dir);
        } catch (java.io.IOException e) {
            throw new BadInputException(dir + ": cannot create the " + what + " (" + jdpo.io.FileProblems.reason(e) + ")", e);
        }
    }

    private static boolean isEmptyDir(Path p) throws java.io.IOException {
        if (!Files.isDirectory(p)) return false;
        try (var s = Files.list(p)) {
            return s.findAny().isEmpty();
        }
    }
}
