package jdpo.cli;

import com.google.gson.JsonObject;
import jdpo.dpo.DpoLoss;
import jdpo.dpo.DpoStep;
import jdpo.dpo.DpoTrainer;
import jdpo.dpo.EncodedPair;
import jdpo.dpo.ModelReference;
import jdpo.dpo.NonFiniteException;
import jdpo.dpo.PairEncoder;
import jdpo.dpo.PrecomputedReference;
import jdpo.dpo.PreferenceData;
import jdpo.dpo.PreferencePair;
import jdpo.dpo.Reference;
import jdpo.dpo.RpoTerm;
import jdpo.dpo.StepMetrics;
import jdpo.dpo.TrainingCheckpoint;
import jdpo.gpt2.Gpt2;
import jdpo.gpt2.Gpt2Checkpoint;
import jdpo.gpt2.Gpt2Params;
import jdpo.io.AtomicFiles;
import jdpo.io.BadInputException;
import jdpo.io.Json;
import jdpo.io.OutputDirectory;
import jdpo.lora.LoraConfig;
import jdpo.lora.LoraLayers;
import jdpo.lora.LoraMerge;
import jdpo.lora.LoraWeights;
import jdpo.lora.PeftAdapter;
import jdpo.optim.AdamW;
import jdpo.optim.LrSchedule;
import jdpo.optim.Optimizer;
import jdpo.report.Charts;
import jdpo.report.HtmlReport;
import jdpo.report.RunInfo;
import jdpo.tensor.Kernels;
import jdpo.tensor.Parallel;
import jdpo.tensor.Rng;
import jdpo.tensor.Tensor;
import jdpo.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
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
                + "Defaults are TRL 1.13's, and each flag also answers to TRL's own spelling where TRL has one "
                + "(listed at the end), so a TRL command line can be pasted.",
            "",
            "Pairs are tokenized as TRL 1.x does (--tokenization joint); the text <|endoftext|> inside "
                + "the data becomes the special token, as transformers' tokenizer (and so TRL) makes it.",
            "",
            "Writes --out as a Hugging Face model directory (config.json, model.safetensors, "
                + "vocab.json, merges.txt, tokenizer.json) plus optimizer.safetensors and trainer_state.json for --resume, "
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
            description = "adamw (PyTorch's AdamW, no decay on biases and LayerNorm weights; TRL's adamw_torch) or sgd (plain p -= lr*g). Default: ${DEFAULT-VALUE}.")
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
            description = "constant, linear (decay to 0) or cosine, after the warm-up. Default: ${DEFAULT-VALUE}.")
    String schedule;

    @Option(names = "--warmup-steps", defaultValue = "0", paramLabel = "N",
            description = "Linear warm-up steps; a value below 1 is a fraction of all steps, as transformers 5 reads it. Default: ${DEFAULT-VALUE}.")
    double warmupSteps;

    @Option(names = "--warmup-ratio", defaultValue = "0", paramLabel = "R",
            description = "Warm-up as a fraction of all steps, ceil(R * steps) (instead of --warmup-steps). Default: ${DEFAULT-VALUE}.")
    double warmupRatio;

    @Option(names = "--batch-size", defaultValue = "8", paramLabel = "PAIRS", description = "Pairs per forward pass (2x rows). Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--eval-batch-size", defaultValue = "0", paramLabel = "PAIRS",
            description = "Pairs per forward pass in evaluation (0: --batch-size).")
    int evalBatchSize;

    @Option(names = "--grad-accum", defaultValue = "1", paramLabel = "N",
            description = "Batches per optimizer step; an epoch's last step takes the batches left. Default: ${DEFAULT-VALUE}.")
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
        checkInputsAreNotOut();
        Kernels kernels = runtime.create();
        if (resume && Files.isDirectory(out) && OutputDirectory.madeBy(out) == null && TrainingCheckpoint.exists(out)
                && Files.isRegularFile(out.resolve(TrainingCheckpoint.OPTIMIZER))) {
            OutputDirectory.adopt(out, "train"); // a run folder from before jdpo marked its folders
        }
        try (OutputDirectory dir = OutputDirectory.claim(out, "train", resume);
             Interruption interruption = Interruption.install(err)) {
            boolean resuming = checkResume(err);
            return run(outW, err, kernels, resuming, interruption);
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
        if (!(warmupSteps >= 0)) throw new BadInputException("--warmup-steps must be >= 0, got " + (warmupSteps == Math.rint(warmupSteps) ? String.valueOf((long) warmupSteps) : String.valueOf(warmupSteps)));
        if (warmupSteps >= 1 && warmupSteps != Math.rint(warmupSteps)) {
            throw new BadInputException("--warmup-steps must be a whole number of steps, or a fraction below 1, got " + warmupSteps);
        }
        if (!(warmupRatio >= 0 && warmupRatio <= 1)) throw new BadInputException("--warmup-ratio must be in [0, 1], got " + warmupRatio);
        if (warmupRatio > 0 && warmupSteps > 0) throw new BadInputException("give --warmup-steps or --warmup-ratio, not both");
        if (evalBatchSize < 0) throw new BadInputException("--eval-batch-size must be >= 0, got " + evalBatchSize);
        if (!(weightDecay >= 0) || !Double.isFinite(weightDecay)) throw new BadInputException("--weight-decay must be >= 0, got " + weightDecay);
        Limits.atMost("--batch-size", batchSize, Limits.MAX_BATCH);
        Limits.atMost("--eval-batch-size", evalBatchSize, Limits.MAX_BATCH);
        Limits.atMost("--grad-accum", gradAccum, Limits.MAX_STEPS);
        Limits.atMost("--max-steps", maxSteps, Limits.MAX_STEPS);
        Limits.atMost("--epochs", epochs, Limits.MAX_STEPS);
        if (!(adamBeta1 >= 0 && adamBeta1 < 1)) throw new BadInputException("--adam-beta1 must be in [0, 1), got " + adamBeta1);
        if (!(adamBeta2 >= 0 && adamBeta2 < 1)) throw new BadInputException("--adam-beta2 must be in [0, 1), got " + adamBeta2);
        if (!(adamEps >= 0) || !Double.isFinite(adamEps)) throw new BadInputException("--adam-eps must be >= 0, got " + adamEps);
        if (logEvery < 1) throw new BadInputException("--log-every must be at least 1, got " + logEvery);
        if (saveEvery < 0 || evalEvery < 0) throw new BadInputException("--save-every and --eval-every must be >= 0");
        if (stopAfter < 0) throw new BadInputException("--stop-after must be >= 0, got " + stopAfter);
        if (optimizer.equals("adamw_torch")) optimizer = "adamw";  // TRL's (PyTorch's) name for the same
        try {
            Optimizer.create(optimizer, adamBeta1, adamBeta2, adamEps, weightDecay, Parallel.SERIAL);
        } catch (IllegalArgumentException e) {
            throw new BadInputException("--optimizer: " + e.getMessage());
        }
        try {
            LrSchedule.Shape.parse(schedule);
        } catch (IllegalArgumentException e) {
            throw new BadInputException("--lr-schedule: " + e.getMessage());
        }
    }

    /** One training run: read the inputs, build the step and the optimizer, train, write the charts. */
    private Integer run(PrintWriter outW, PrintWriter err, Kernels kernels, boolean resuming, Interruption interruption) throws Exception {
        Gpt2Params start = ModelLoader.params(model, err);
        Tokenizer tok = ModelLoader.tokenizer(model, start);
        boolean average = dpo.averageLogps || dpo.lossType().averagesLogps();
        PairEncoder encoder = new PairEncoder(tok, dpo.maxLength, dpo.maxPromptLength, start.config.nPositions, dpo.tokenizationMode());
        dpo.warnings(err);
        List<EncodedPair> train = encode(PreferenceData.read(data), encoder, data, err);
        List<EncodedPair> eval = evalData == null ? List.of() : encode(PreferenceData.read(evalData), encoder, evalData, err);

        TrainingCheckpoint.Saved saved = resuming ? TrainingCheckpoint.load(out) : null;
        LoraConfig loraConfig = lora.config();
        if (saved != null && (saved.params == null) != (loraConfig != null)) {
            throw new BadInputException(out + ": the checkpoint holds " + (saved.params == null ? "a LoRA adapter; resume it with the same --lora-* flags"
                    : "a whole model; resume it without --lora-r"));
        }
        // LoRA: the base weights stay as loaded and only the adapter trains.
        LoraWeights adapter = loraConfig == null ? null : loraAdapter(loraConfig, saved != null, start);
        Gpt2 policy = adapter != null ? Gpt2.withAdapters(start, new LoraLayers(adapter, true), kernels)
                : Gpt2.trainable(saved != null ? saved.params : start, kernels);
        Reference[] refs = references(start, kernels, average, train, eval, tok, err);
        interruption.check("nothing was trained yet; " + out + " is as it was");
        DpoLoss loss = dpo.loss();
        RpoTerm rpo = dpo.rpoAlpha > 0 ? new RpoTerm(dpo.rpoAlpha) : null;
        DpoStep step = new DpoStep(policy, refs[0], loss, average, rpo);
        DpoStep evalStep = eval.isEmpty() ? null : new DpoStep(policy, refs[1], loss, average, rpo);

        Optimizer opt = Optimizer.create(optimizer, adamBeta1, adamBeta2, adamEps, weightDecay, kernels.parallel());
        int startStep = saved == null ? 0 : saved.step;
        DpoTrainer trainer = new DpoTrainer(policy, step, opt, train, tok.eosId(), settings());
        JsonObject settings = settingsJson(train.size(), trainer.totalSteps());
        if (saved != null) {
            loadOptimizer(opt, saved, policy);
            checkSameRun(saved.state, settings);
            err.println("resuming " + out + " at step " + startStep);
        }
        err.printf(Locale.ROOT, "policy: %s%nreference: %s%nloss: %s, %s log-probs%ndata: %d pairs, %d steps of %d pair(s) x %d%n",
                loraConfig == null ? start.config : start.config + ", frozen, with " + loraConfig + " ("
                        + adapter.all.size() + " trainable parameters)", refs[0].describe(), loss, average ? "per-token average" : "summed",
                train.size(), trainer.totalSteps(), batchSize, gradAccum);
        err.flush();
        Loop loop = new Loop(trainer, policy, tok, opt, settings, startStep, err, interruption);
        loop.evalStep = evalStep;
        loop.eval = eval;
        loop.adapter = adapter;
        StepMetrics last = loop.run();
        if (lora.mergeTo != null && loop.endStep == trainer.totalSteps()) {
            Gpt2Params merged = LoraMerge.merged(start, adapter);
            AtomicFiles.replaceDirectory(lora.mergeTo, tmp -> {
                Gpt2Checkpoint.writeInto(tmp, merged);
                tok.save(tmp);
            });
            err.println("saved " + lora.mergeTo + " (the adapter merged into " + model + ")");
        }
        HtmlReport.afterRun(out, RunInfo.train(out, dpo.referenceFree ? null : dpo.refModel != null ? dpo.refModel : model, data,
                evalData, dpo.beta, dpo.lossType().trlName(), dpo.labelSmoothing), kernels, err);
        if (json && last != null) outW.println(Finite.json(last.toJson(), "the final metrics"));
        err.println("saved " + out);
        err.flush();
        outW.flush();
        return 0;
    }

    /** The reference for training and for evaluation: none, a live model, or log-probs computed once up front. */
    private Reference[] references(Gpt2Params start, Kernels kernels, boolean average, List<EncodedPair> train,
                                   List<EncodedPair> eval, Tokenizer tok, PrintWriter err) {
        if (dpo.referenceFree) return new Reference[] {Reference.NONE, Reference.NONE};
        // Under LoRA the base weights never change, so the reference shares them: the same
        // network with the adapters off, and no copy.
        Gpt2Params refParams = dpo.refModel != null ? ModelLoader.params(dpo.refModel, err) : lora.enabled() ? start : start.copy();
        if (refParams.config.vocabSize != start.config.vocabSize) {
            throw new BadInputException(dpo.refModel + ": vocabulary of " + refParams.config.vocabSize
                    + " differs from the policy's " + start.config.vocabSize);
        }
        String what = dpo.refModel != null ? dpo.refModel.toString()
                : lora.enabled() ? model + " with the adapters off (its weights, shared)" : "frozen copy of " + model;
        Reference live = new ModelReference(refParams, kernels, average, what);
        if (!dpo.precomputeRef) return new Reference[] {live, live};
        err.println("precomputing reference log-probs for " + train.size() + " pairs ...");
        Reference forTrain = new PrecomputedReference(live, train, batchSize, tok.eosId(), null);
        Reference forEval = eval.isEmpty() ? Reference.NONE : new PrecomputedReference(live, eval, batchSize, tok.eosId(), null);
        return new Reference[] {forTrain, forEval};
    }

    private DpoTrainer.Settings settings() {
        DpoTrainer.Settings s = new DpoTrainer.Settings();
        s.batchSize = batchSize;
        s.gradAccum = gradAccum;
        s.maxSteps = maxSteps;
        s.epochs = epochs;
        s.lr = lr;
        s.maxGradNorm = maxGradNorm;
        s.warmupSteps = warmupSteps >= 1 ? (int) warmupSteps : 0;
        s.warmupRatio = warmupSteps > 0 && warmupSteps < 1 ? warmupSteps : warmupRatio;
        s.schedule = schedule;
        s.seed = seed;
        return s;
    }

    /**
     * The training loop's bookkeeping around {@link DpoTrainer#train}: evaluation, metrics, charts,
     * checkpoints, {@code --stop-after}, and a signal (checkpoint, then stop).
     */
    private final class Loop {
        final DpoTrainer trainer;
        final Gpt2 policy;
        final Tokenizer tok;
        final Optimizer opt;
        final JsonObject settings;
        final int startStep, endStep;
        final PrintWriter err;
        final Interruption interruption;
        DpoStep evalStep;
        List<EncodedPair> eval;
        LoraWeights adapter; // what a LoRA run saves instead of the model
        StepMetrics last;
        int lastSaved;

        Loop(DpoTrainer trainer, Gpt2 policy, Tokenizer tok, Optimizer opt, JsonObject settings, int startStep,
             PrintWriter err, Interruption interruption) {
            this.trainer = trainer;
            this.policy = policy;
            this.tok = tok;
            this.opt = opt;
            this.settings = settings;
            this.startStep = this.lastSaved = startStep;
            this.endStep = stopAfter > 0 ? Math.min(Math.max(stopAfter, startStep), trainer.totalSteps()) : trainer.totalSteps();
            this.err = err;
            this.interruption = interruption;
        }

        StepMetrics run() throws Exception {
            MetricsLog log = MetricsLog.open(metrics != null ? metrics : out.resolve(MetricsLog.DEFAULT_NAME), startStep);
            Charts.TrainingCurves curves = new Charts.TrainingCurves();
            log.replayInto(curves);
            try (TrainingProgress progress = new TrainingProgress(trainer.totalSteps(), startStep, !noProgress, err)) {
                trainer.train(startStep, endStep, (n, m) -> afterStep(n, m, log, curves, progress));
            } catch (NonFiniteException e) {
                throw new NonFiniteException(e.getMessage() + "; " + (lastSaved > 0
                        ? out + " holds the checkpoint of step " + lastSaved : "no checkpoint was saved"));
            } catch (Interruption.Interrupted e) {
                curves.write(out);
                throw e;
            }
            if (endStep <= startStep) err.println("nothing to do: " + out + " is already at step " + startStep);
            if (endStep < trainer.totalSteps()) {
                err.println("stopped after step " + endStep + " of " + trainer.totalSteps()
                        + " (--stop-after); the same command with --resume finishes the run");
            }
            curves.write(out);
            return last;
        }

        private void afterStep(int n, StepMetrics m, MetricsLog log, Charts.TrainingCurves curves, TrainingProgress progress)
                throws IOException {
            last = m;
            // Evaluation and the last log line belong to the run's true end, not to --stop-after,
            // so that a stopped and resumed run logs exactly what a straight one does.
            boolean end = n == trainer.totalSteps();
            if (evalStep != null && (end || (evalEvery > 0 && n % evalEvery == 0))) {
                for (var e : DpoTrainer.evaluate(evalStep, eval, evalBatchSize > 0 ? evalBatchSize : batchSize, tok.eosId()).asMap().entrySet()) m.put(e.getKey(), e.getValue());
            }
            progress.step(n, m);
            int warmup = trainer.warmupSteps();
            if (n == Math.min(warmup + FLAT_LOSS_STEPS, trainer.totalSteps()) && n > warmup) {
                String hint = flatLossHint(m.has("dpo_loss") ? m.get("dpo_loss") : m.get("loss"), n);
                if (hint != null) progress.println(hint);
            }
            if (n % logEvery == 0 || end) {
                log.write(m);
                curves.add(n, m.asMap());
                progress.println(TrainingProgress.line(m));
            }
            if (end || n == endStep || (saveEvery > 0 && n % saveEvery == 0) || interruption.requested()) {
                if (adapter != null) TrainingCheckpoint.save(out, tmp -> PeftAdapter.writeInto(tmp, adapter, model.toString()), tok, opt, n, settings);
                else TrainingCheckpoint.save(out, policy.params, tok, opt, n, settings);
                lastSaved = n;
            }
            interruption.check("saved the checkpoint of step " + n + " of " + trainer.totalSteps() + " in " + out
                    + "; the same command with --resume continues it");
        }
    }

    private List<EncodedPair> encode(List<PreferencePair> pairs, PairEncoder encoder, Path file, PrintWriter err) {
        PairEncoder.Encoded e = encoder.encodeAll(pairs);
        dpo.reportLengths(e, pairs.size(), encoder, file, err);
        if (e.pairs().isEmpty()) {
            throw new BadInputException(file + ": every pair was dropped: each prompt alone fills --max-length " + encoder.maxLength());
        }
        return e.pairs();
    }

    /**
     * Every flag that changes what training computes, as recorded in the checkpoint; a resume
     * compares them all ({@link #checkSameRun}).
     */
    private JsonObject settingsJson(int pairs, int totalSteps) {
        JsonObject o = new JsonObject();
        o.addProperty("model", model.toAbsolutePath().normalize().toString());
        o.addProperty("ref_model", dpo.refModel == null ? "" : dpo.refModel.toAbsolutePath().normalize().toString());
        o.addProperty("data", data.toAbsolutePath().normalize().toString());
        o.addProperty("pairs", pairs);
        o.addProperty("total_steps", totalSteps);
        o.addProperty("batch_size", batchSize);
        o.addProperty("grad_accum", gradAccum);
        o.addProperty("seed", seed);
        o.addProperty("optimizer", optimizer);
        o.addProperty("lr", lr);
        o.addProperty("lr_schedule", schedule);
        o.addProperty("warmup_steps", warmupSteps);
        if (warmupRatio > 0) o.addProperty("warmup_ratio", warmupRatio);
        o.addProperty("weight_decay", weightDecay);
        o.addProperty("adam_beta1", adamBeta1);
        o.addProperty("adam_beta2", adamBeta2);
        o.addProperty("adam_eps", adamEps);
        o.addProperty("max_grad_norm", maxGradNorm);
        o.addProperty("beta", dpo.beta);
        o.addProperty("loss", dpo.lossType().trlName());
        if (lora.enabled()) o.addProperty("lora", lora.config().toString());
        o.addProperty("label_smoothing", dpo.labelSmoothing);
        o.addProperty("reference_free", dpo.referenceFree);
        o.addProperty("average_logps", dpo.averageLogps);
        o.addProperty("rpo_alpha", dpo.rpoAlpha);
        o.addProperty("max_length", dpo.maxLength);
        o.addProperty("max_prompt_length", dpo.maxPromptLength);
        return o;
    }

    /**
     * One rule for a resume with other flags than the checkpoint's: each difference is one warning
     * line (the run goes on, as when a user extends --max-steps on purpose, but it will not match a
     * straight run). A setting the checkpoint did not record (an older jdpo) is a difference too.
     */
    private void checkSameRun(JsonObject savedState, JsonObject now) {
        PrintWriter err = spec.commandLine().getErr();
        JsonObject was = savedState.has("settings") && savedState.get("settings").isJsonObject()
                ? savedState.getAsJsonObject("settings") : new JsonObject();
        for (String key : now.keySet()) {
            if (!now.get(key).equals(was.get(key))) {
                err.println("warning: resuming with " + key + " = " + now.get(key) + " (the checkpoint was made with "
                        + (was.has(key) ? was.get(key) : "no record of it") + "); the run will not match a straight one");
            }
        }
    }

    /** Refuses an {@code --out} that is the model or reference being read: training would overwrite what it reads. */
    private void checkInputsAreNotOut() throws IOException {
        Path[][] inputs = {{model, Path.of("--model")}, {dpo.refModel, Path.of("--ref-model")}};
        for (Path[] in : inputs) {
            if (in[0] != null && Files.exists(out) && Files.exists(in[0]) && Files.isSameFile(out, in[0])) {
                throw new BadInputException(out + ": --out is the " + in[1] + " directory; training would overwrite the model it reads");
            }
        }
        if (lora.mergeTo != null) {
            if (Files.exists(lora.mergeTo) && !(Files.isDirectory(lora.mergeTo) && isEmpty(lora.mergeTo))) {
                throw new BadInputException(lora.mergeTo + ": already exists and is not an empty directory; --merge-lora writes a new model directory");
            }
            if (Files.exists(lora.mergeTo) && Files.exists(out) && Files.isSameFile(lora.mergeTo, out)) {
                throw new BadInputException(lora.mergeTo + ": --merge-lora is the --out directory; choose another");
            }
        }
        if (metrics == null) return;
        if (Files.isDirectory(metrics)) throw new BadInputException(metrics + ": --metrics is a directory; it names a .jsonl file");
        for (Path in : new Path[] {data, evalData}) {
            if (in != null && Files.exists(metrics) && Files.exists(in) && Files.isSameFile(metrics, in)) {
                throw new BadInputException(metrics + ": --metrics is the " + (in == data ? "--data" : "--eval-data") + " file");
            }
        }
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            return files.findAny().isEmpty();
        }
    }

    /** Whether {@code --out} holds a checkpoint to resume; a {@code --resume} with none says so. */
    private boolean checkResume(PrintWriter err) throws IOException {
        boolean resuming = resume && TrainingCheckpoint.exists(out);
        if (resume && !resuming) err.println("note: " + out + " holds no checkpoint yet; --resume starts the run at step 1");
        if (metrics != null && !resuming && Files.exists(metrics)) {
            throw new BadInputException(metrics + ": already exists; a new run writes a new --metrics file (or pass --resume)");
        }
        MetricsLog.readOwn(metrics != null ? metrics : out.resolve(MetricsLog.DEFAULT_NAME)); // refused now, not after loading
        return resuming;
    }

    /** A resumed run's adapter from --out, or a new one with PEFT's initialization drawn from --seed. */
    private LoraWeights loraAdapter(LoraConfig config, boolean resuming, Gpt2Params base) {
        if (!resuming) return new LoraWeights(base.config, config).initialize(new Rng(seed));
        LoraWeights adapter = PeftAdapter.read(out, base.config);
        if (!adapter.config.equals(config)) {
            throw new BadInputException(out + ": the checkpoint's adapter is " + adapter.config + ", not " + config);
        }
        return adapter;
    }

    /** Loads a checkpoint's optimizer state, refusing one of another optimizer or of other parameters. */
    private void loadOptimizer(Optimizer opt, TrainingCheckpoint.Saved saved, Gpt2 policy) {
        Path stateFile = out.resolve(TrainingCheckpoint.STATE), optFile = out.resolve(TrainingCheckpoint.OPTIMIZER);
        String was = Json.optionalString(saved.state, "optimizer", opt.name(), stateFile);
        if (!was.equals(opt.name())) {
            throw new BadInputException(out + ": the checkpoint was trained with --optimizer " + was + "; resume it with the same optimizer");
        }
        int steps = Json.requireInt(saved.state, "optimizer_steps", stateFile);
        var params = new LinkedHashMap<String, Tensor>();
        for (var p : policy.parameters()) params.put(p.name, p.value);
        for (var e : saved.optimizerState.entrySet()) {
            // State tensors are named <kind>.<parameter> and shaped like their parameter.
            Tensor p = params.get(e.getKey().substring(e.getKey().indexOf('.') + 1));
            if (p == null || !p.sameShape(e.getValue())) {
                throw new BadInputException(optFile + ": tensor " + Json.quote(e.getKey()) + " "
                        + Arrays.toString(e.getValue().shape()) + " matches no parameter of the model");
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

    /** Steps after the warm-up at which a loss still at ln 2 gets {@link #flatLossHint}. */
    static final int FLAT_LOSS_STEPS = 20;

    /**
     * A one-line hint when the loss is within 1% of ln 2 (where every run starts, policy =
     * reference) after the warm-up, else null: TRL's learning rate 1e-6 suits large models and
     * barely moves a small one.
     */
    static String flatLossHint(double loss, int step) {
        double ln2 = Math.log(2);
        if (!(Math.abs(loss - ln2) < 0.01 * ln2)) return null;
        return String.format(Locale.ROOT, "hint: at step %d the loss %.4f is still within 1%% of ln 2 = 0.6931: the policy has "
                + "barely moved from the reference; --lr (TRL's 1e-6 by default) may be too small for this model", step, loss);
    }
}
