package jdpo.demo;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import jdpo.dpo.DpoLoss;
import jdpo.dpo.DpoStep;
import jdpo.dpo.DpoTrainer;
import jdpo.dpo.EncodedPair;
import jdpo.dpo.ModelReference;
import jdpo.dpo.PairEncoder;
import jdpo.dpo.PreferenceData;
import jdpo.dpo.PreferencePair;
import jdpo.dpo.RpoTerm;
import jdpo.dpo.StepMetrics;
import jdpo.gpt2.Gpt2;
import jdpo.gpt2.Gpt2Checkpoint;
import jdpo.gpt2.Gpt2Params;
import jdpo.io.AtomicFiles;
import jdpo.io.BadInputException;
import jdpo.io.Jsonl;
import jdpo.lora.LoraConfig;
import jdpo.lora.LoraLayers;
import jdpo.lora.LoraMerge;
import jdpo.lora.LoraWeights;
import jdpo.optim.AdamW;
import jdpo.report.Charts;
import jdpo.tensor.Kernels;
import jdpo.tensor.Rng;
import jdpo.tokenizer.Tokenizer;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.Locale;

/**
 * The demo: DPO on the tiny review model, evaluated before, during and after on held-out prompts.
 *
 * <p>A miniature of the DPO paper's controlled sentiment experiment: the lexicon reward plays
 * the sentiment classifier, the pairs rank base-model samples by it, and each evaluation samples
 * one continuation per held-out prompt and reports an {@link Evaluation}: the mean reward, the
 * well-formed rate (is it still a review of the world's grammar?), the KL divergence from the
 * reference and the reference's log-prob per token. More reward at small KL with the reviews
 * still reviews is DPO working; reward bought with broken sentences is over-optimization.
 */
public final class DemoRun {

    /** What to run. The defaults meet the demo's targets on seeds 1 to 3 (see the README). */
    public static final class Settings {
        public Path model = Path.of("weights/tiny");
        public long seed = 1;
        public double beta = 0.3;
        public int steps = 125;
        public int batchSize = 8;
        public double lr = 2e-4;
        public int evalPrompts = 96;
        /** Evaluate on the held-out prompts every this many steps (0: only after training). */
        public int evalEvery = 25;
        public int maxNewTokens = 40;
        /** Weight of RPO's NLL term on the chosen responses (0: plain DPO): it keeps the chosen reviews likely. */
        public double rpoAlpha = 10;
        /** Train LoRA adapters of this config instead of every weight; null: full fine-tuning. */
        public LoraConfig lora;
    }

    /** What one DPO run gave. */
    public static final class Result {
        public double beta, seconds;
        public Evaluation before, after;
        public List<Samples.Sample> samplesBefore, samplesAfter;
        public Gpt2Params policy;
        public List<StepMetrics> metrics = new ArrayList<>();
        /** The base model (step 0), every evalEvery steps, and the trained policy (the last). */
        public List<Evaluation> evaluations = new ArrayList<>();

        /** How far the reward moved from the base model's level towards the maximum, 0..1. */
        public double normalizedGain() {
            return (after.reward() - before.reward()) / (SentimentReward.MAX - before.reward());
        }

        /** The before / after columns of summary.json and of each line of sweep.json. */
        public JsonObject toJson() {
            JsonObject o = new JsonObject();
            o.addProperty("beta", beta);
            o.addProperty("reward_before", before.reward());
            o.addProperty("reward_after", after.reward());
            o.addProperty("normalized_gain", normalizedGain());
            o.addProperty("well_formed_before", before.wellFormed());
            o.addProperty("well_formed_after", after.wellFormed());
            o.addProperty("ref_logprob_per_token_before", before.refLogprobPerToken());
            o.addProperty("ref_logprob_per_token_after", after.refLogprobPerToken());
            o.addProperty("kl", after.kl());
            return o;
        }
    }

    /** Sees training progress: every step's metrics, and every evaluation on the held-out prompts. */
    public interface StepListener {
        void onStep(int step, int total, StepMetrics metrics);

        default void onEvaluation(Evaluation evaluation) {}
    }

    /** A well-formed rate below this fraction of the base model's counts as the language breaking. */
    public static final double WELL_FORMED_BUDGET = 0.95;

    private final Settings s;
    private final Kernels k;
    private final PrintWriter out;
    private final Gpt2Params base;
    private final Tokenizer tok;
    private final List<PreferencePair> pairs;
    private final List<String> evalPrompts;
    private final SentimentReward reward = new SentimentReward();

    public DemoRun(Settings settings, Kernels kernels, PrintWriter out) {
        this.s = settings;
        this.k = kernels;
        this.out = out;
        Gpt2Checkpoint.Loaded loaded = Gpt2Checkpoint.load(settings.model);
        this.base = loaded.params;
        this.tok = Tokenizer.load(settings.model);
        Path pairsFile = settings.model.resolve("pairs.jsonl");
        if (!Files.isRegularFile(pairsFile)) {
            throw new BadInputException(pairsFile + ": missing; make it with `jdpo demo --make-pairs " + pairsFile + "`");
        }
        this.pairs = PreferenceData.read(pairsFile);
        List<String> held = new ReviewWorld().heldOutPrompts();
        Rng pick = new Rng(settings.seed ^ 0xE7A1L);
        List<String> chosen = new ArrayList<>(held);
        pick.shuffle(chosen);
        this.evalPrompts = chosen.subList(0, Math.min(settings.evalPrompts, chosen.size()));
    }

    public Gpt2Params base() {
        return base;
    }

    public Tokenizer tokenizer() {
        return tok;
    }

    public List<PreferencePair> pairs() {
        return pairs;
    }

    /** Samples of the base model on the held-out prompts. */
    public List<Samples.Sample> sampleBase() {
        return Samples.draw(base, null, k, tok, evalPrompts, 1, s.maxNewTokens, reward, new Rng(s.seed * 7 + 1));
    }

    /**
     * Samples of a policy on the held-out prompts, scored against the base model. Every
     * evaluation of a run draws with the same seed, so two evaluations differ by the model only.
     */
    private List<Samples.Sample> samplePolicy(Gpt2Params policy) {
        return Samples.draw(policy, base, k, tok, evalPrompts, 1, s.maxNewTokens, reward, new Rng(s.seed * 7 + 2));
    }

    /**
     * Compares a model trained elsewhere (e.g. by {@code jdpo train}) with the base model on the
     * held-out prompts and prints both evaluations; returns the policy's.
     */
    public Evaluation compare(Path policyDir) {
        Gpt2Params policy = Gpt2Checkpoint.load(policyDir).params;
        if (policy.config.vocabSize != base.config.vocabSize) {
            throw new BadInputException(policyDir + ": vocabulary of " + policy.config.vocabSize + " tokens, not "
                    + s.model + "'s " + base.config.vocabSize);
        }
        Evaluation before = Evaluation.of(0, sampleBase()), after = Evaluation.of(0, samplePolicy(policy));
        out.printf("%d held-out prompts, one sampled continuation each:%n", evalPrompts.size());
        print("base model " + s.model, before);
        print("policy " + policyDir, after);
        out.flush();
        return after;
    }

    private void print(String label, Evaluation e) {
        out.printf(Locale.ROOT, "  %-40s reward %+.3f  well-formed %3.0f%%  KL %6.2f nats  log-prob per token %.3f%n",
                label, e.reward(), 100 * e.wellFormed(), e.kl(), e.refLogprobPerToken());
    }

    /**
     * Trains a policy from the base model with DPO at {@code beta}, evaluating it every
     * {@code evalEvery} steps (0: only at the end), and evaluates the result.
     */
    public Result train(double beta, List<Samples.Sample> before, int evalEvery, StepListener listener) throws IOException {
        long t0 = System.nanoTime();
        // Under LoRA the policy is the base model itself plus adapters; the reference shares its weights.
        LoraWeights adapter = s.lora == null ? null : new LoraWeights(base.config, s.lora).initialize(new Rng(s.seed));
        Gpt2 policy = adapter != null ? Gpt2.withAdapters(base, new LoraLayers(adapter, true), k) : Gpt2.trainable(base.copy(), k);
        // What the policy computes as plain weights (samples are drawn from weights, with the KV cache).
        Supplier<Gpt2Params> policyWeights = () -> adapter != null ? LoraMerge.merged(base, adapter) : policy.params;
        ModelReference reference = new ModelReference(base, k, false, "frozen copy of the base model");
        DpoStep step = new DpoStep(policy, reference, DpoLoss.standard(beta), false, new RpoTerm(s.rpoAlpha));
        PairEncoder enc = new PairEncoder(tok, base.config.nPositions, 0, base.config.nPositions);
        List<EncodedPair> encoded = new ArrayList<>();
        for (PreferencePair p : pairs) encoded.add(enc.encode(p));
        DpoTrainer.Settings ts = new DpoTrainer.Settings();
        ts.batchSize = s.batchSize;
        ts.maxSteps = s.steps;
        ts.lr = s.lr;
        ts.schedule = "constant";
        ts.warmupSteps = 0;
        ts.maxGradNorm = 1.0;
        ts.seed = s.seed;
        Result r = new Result();
        r.beta = beta;
        r.samplesBefore = before;
        r.before = Evaluation.of(0, before);
        r.evaluations.add(r.before);
        StepListener quiet = listener != null ? listener : (n, total, m) -> {};
        DpoTrainer trainer = new DpoTrainer(policy, step, new AdamW(0.9, 0.999, 1e-8, 0.0, k.parallel()), encoded, tok.eosId(), ts);
        trainer.train(0, (n, m) -> {
            r.metrics.add(m);
            quiet.onStep(n, ts.maxSteps, m);
            if (evalEvery > 0 && n % evalEvery == 0 && n < ts.maxSteps) {
                Evaluation e = Evaluation.of(n, samplePolicy(policyWeights.get()));
                r.evaluations.add(e);
                quiet.onEvaluation(e);
            }
        });
        r.policy = policyWeights.get();
        r.samplesAfter = samplePolicy(r.policy);
        r.after = Evaluation.of(s.steps, r.samplesAfter);
        r.evaluations.add(r.after);
        quiet.onEvaluation(r.after);
        r.seconds = (System.nanoTime() - t0) / 1e9;
        return r;
    }

    /** The whole demo: before, train, after, walkthrough, files in {@code outDir}. */
    public Result run(Path outDir) throws IOException {
        long t0 = System.nanoTime();
        Files.createDirectories(outDir);
        printIntro();
        List<Samples.Sample> before = sampleBase();
        Evaluation base = Evaluation.of(0, before);
        out.printf(Locale.ROOT, "  mean reward %+.3f (the reward runs from %+.0f to %+.0f), well-formed %.0f%%, "
                        + "log-prob per token %.3f%n", base.reward(), SentimentReward.MIN, SentimentReward.MAX,
                100 * base.wellFormed(), base.refLogprobPerToken());
        Result r = trainWithProgress(outDir, before);
        printAfter(r);
        out.printf("%nOne pair, by the numbers (the trained policy against the frozen reference):%n");
        PreferencePair example = pairs.get(0);
        Walkthrough.print(out, r.policy, this.base, k, tok, example.prompt, example.chosen, example.rejected, s.beta);
        writeFiles(outDir, r);
        r.seconds = (System.nanoTime() - t0) / 1e9;
        writeSummary(outDir.resolve("summary.json"), r);
        out.printf(Locale.ROOT, "%nWrote %s: metrics.jsonl, eval.jsonl, loss.png, reward_margins.png, accuracies.png, "
                + "evaluation.png, reward.png, samples.jsonl, summary.json and the trained model in policy/ (%.1f s)%n",
                outDir, r.seconds);
        out.flush();
        return r;
    }

    private void printIntro() {
        out.printf("DPO demo: %s%s, %d preference pairs, beta %s, learning rate %s, RPO alpha %s, %d steps of %d pairs%n",
                base.config, s.lora == null ? "" : ", " + s.lora, pairs.size(), s.beta, s.lr, s.rpoAlpha, s.steps, s.batchSize);
        PreferencePair example = pairs.get(0);
        out.printf("%nA preference pair (chosen = the more positive continuation, by the reward):%n  prompt   %s%n"
                + "  chosen   %s  (reward %+.2f)%n  rejected %s  (reward %+.2f)%n", Walkthrough.quote(example.prompt),
                Walkthrough.quote(example.chosen), reward.reward(example.chosen), Walkthrough.quote(example.rejected),
                reward.reward(example.rejected));
        out.printf("%nSampling %d held-out prompts from the base model (well-formed = a review the world's grammar "
                + "can write) ...%n", evalPrompts.size());
        out.flush();
    }

    /** Trains at the demo's beta, printing progress and writing metrics.jsonl and eval.jsonl as it goes. */
    private Result trainWithProgress(Path outDir, List<Samples.Sample> before) throws IOException {
        out.printf("%nTraining with DPO (loss -log sigmoid(beta * (log-ratio chosen - log-ratio rejected))%s), "
                + "evaluating on the held-out prompts every %d steps ...%n", s.rpoAlpha > 0
                ? " + " + s.rpoAlpha + " x NLL of the chosen response (RPO's term, which keeps the chosen reviews likely)"
                : "", s.evalEvery);
        out.flush();
        Path metricsFile = outDir.resolve("metrics.jsonl"), evalFile = outDir.resolve("eval.jsonl");
        Files.deleteIfExists(metricsFile);
        Files.deleteIfExists(evalFile);
        double baseWellFormed = Samples.wellFormedRate(before);
        // A progress line where each evaluation is, so the two read together.
        int every = s.evalEvery > 0 ? s.evalEvery : Math.max(1, s.steps / 8);
        try (Jsonl.Writer metrics = Jsonl.Writer.open(metricsFile, false);
             Jsonl.Writer evals = Jsonl.Writer.open(evalFile, false)) {
            evals.write(Evaluation.of(0, before).toJson());
            return train(s.beta, before, s.evalEvery, new StepListener() {
                boolean fell;

                @Override
                public void onStep(int n, int total, StepMetrics m) {
                    metrics.write(m.toJson());
                    if (n == 1 || n % every == 0 || n == total) printStep(n, total, m);
                }

                @Override
                public void onEvaluation(Evaluation e) {
                    evals.write(e.toJson());
                    out.printf(Locale.ROOT, "      held-out: reward %+.3f  well-formed %3.0f%%  KL %6.2f nats  "
                            + "log-prob per token %.3f%n", e.reward(), 100 * e.wellFormed(), e.kl(), e.refLogprobPerToken());
                    boolean below = e.wellFormed() < WELL_FORMED_BUDGET * baseWellFormed;
                    if (below && !fell) {
                        out.printf(Locale.ROOT, "      ^ the well-formed rate fell below 95%% of the base model's (%.0f%% against %.0f%%): "
                                + "while it stays down, the policy is buying reward with sentences the world never writes "
                                + "(over-optimization; the KL says how far it moved)%n", 100 * e.wellFormed(), 100 * baseWellFormed);
                    } else if (!below && fell) {
                        out.printf(Locale.ROOT, "      ^ back above 95%% of the base model's well-formed rate (%.0f%%): "
                                + "%d samples move it by a few points either way%n", 100 * e.wellFormed(), evalPrompts.size());
                    }
                    fell = below;
                    out.flush();
                }
            });
        }
    }

    private void printStep(int n, int total, StepMetrics m) {
        double dpoLoss = m.has("dpo_loss") ? m.get("dpo_loss") : m.get("loss");
        out.printf(Locale.ROOT, "  step %4d/%d  DPO loss %.4f  reward accuracy %.2f  margin %+.3f  "
                        + "logps chosen %.2f rejected %.2f  %.0f tok/s%n", n, total, dpoLoss,
                m.get("rewards/accuracies"), m.get("rewards/margins"), m.get("logps/chosen"),
                m.get("logps/rejected"), m.get("tokens_per_s"));
        if (n == 1 && m.get("rewards/accuracies") == 0) {
            out.println("      (accuracy 0.00 at step 1 is a tie, not a failure: the policy is still the reference, "
                    + "both log-ratios are 0, no pair is ranked yet and the DPO loss is ln 2)");
        }
        out.flush();
    }

    private void printAfter(Result r) {
        out.printf(Locale.ROOT, "%nAfter DPO, on the same held-out prompts:%n"
                        + "  mean reward               %+.3f -> %+.3f  (%.0f%% of the way from the base model to the maximum)%n"
                        + "  well-formed               %5.0f%% -> %3.0f%%%n"
                        + "  log-prob per token (ref)  %6.3f -> %.3f%n"
                        + "  KL(policy || reference)   %.2f nats per continuation (estimated from the samples)%n",
                r.before.reward(), r.after.reward(), 100 * r.normalizedGain(), 100 * r.before.wellFormed(),
                100 * r.after.wellFormed(), r.before.refLogprobPerToken(), r.after.refLogprobPerToken(), r.after.kl());
        out.println();
        for (int i = 0; i < Math.min(3, r.samplesBefore.size()); i++) {
            Samples.Sample b = r.samplesBefore.get(i), a = r.samplesAfter.get(i);
            out.printf("  prompt  %s%n    before %s  (%+.2f%s)%n    after  %s  (%+.2f%s)%n", Walkthrough.quote(b.prompt()),
                    Walkthrough.quote(b.continuation()), b.reward(), b.wellFormed() ? "" : ", not well-formed",
                    Walkthrough.quote(a.continuation()), a.reward(), a.wellFormed() ? "" : ", not well-formed");
        }
    }

    private void writeFiles(Path outDir, Result r) throws IOException {
        Charts.TrainingCurves curves = new Charts.TrainingCurves();
        for (int i = 0; i < r.metrics.size(); i++) curves.add(i + 1, r.metrics.get(i).asMap());
        curves.write(outDir);
        writeEvaluationChart(outDir.resolve("evaluation.png"), r.evaluations);
        Charts.bars(outDir.resolve("reward.png"), "Mean reward of sampled continuations (held-out prompts)", "reward",
                List.of("before DPO", "after DPO"), List.of(r.before.reward(), r.after.reward()));
        writeSamples(outDir.resolve("samples.jsonl"), r.samplesBefore, r.samplesAfter);
        AtomicFiles.replaceDirectory(outDir.resolve("policy"), tmp -> {
            Gpt2Checkpoint.writeInto(tmp, r.policy);
            tok.save(tmp);
        });
    }

    /** Reward and well-formed rate on the left axis, KL on the right, against the step. */
    static void writeEvaluationChart(Path png, List<Evaluation> evaluations) throws IOException {
        List<Double> step = new ArrayList<>(), reward = new ArrayList<>(), wellFormed = new ArrayList<>(), kl = new ArrayList<>();
        for (Evaluation e : evaluations) {
            step.add((double) e.step());
            reward.add(e.reward());
            wellFormed.add(e.wellFormed());
            kl.add(e.kl());
        }
        Charts.twoAxes(png, "Held-out samples over training (step 0: the base model)", "step",
                "reward, well-formed rate", List.of(Charts.Series.line("mean reward", step, reward),
                        Charts.Series.line("well-formed rate", step, wellFormed)),
                "KL (nats per continuation)", List.of(Charts.Series.line("KL(policy || reference)", step, kl)));
    }

    private void writeSummary(Path file, Result r) {
        JsonObject summary = r.toJson();
        summary.addProperty("reward_min", SentimentReward.MIN);
        summary.addProperty("reward_max", SentimentReward.MAX);
        summary.addProperty("lr", s.lr);
        summary.addProperty("rpo_alpha", s.rpoAlpha);
        summary.addProperty("steps", s.steps);
        summary.addProperty("seed", s.seed);
        summary.addProperty("eval_prompts", evalPrompts.size());
        summary.addProperty("seconds", r.seconds);
        String json = new GsonBuilder().setPrettyPrinting().create().toJson(summary) + "\n";
        AtomicFiles.write(file, tmp -> Files.writeString(tmp, json, StandardCharsets.UTF_8));
    }

    private static void writeSamples(Path file, List<Samples.Sample> before, List<Samples.Sample> after) {
        AtomicFiles.write(file, tmp -> {
            try (Jsonl.Writer w = Jsonl.Writer.open(tmp, false)) {
                for (int i = 0; i < before.size(); i++) {
                    JsonObject o = new JsonObject();
                    o.addProperty("prompt", before.get(i).prompt());
                    o.addProperty("before", before.get(i).continuation());
                    o.addProperty("reward_before", before.get(i).reward());
                    o.addProperty("well_formed_before", before.get(i).wellFormed());
                    o.addProperty("after", after.get(i).continuation());
                    o.addProperty("reward_after", after.get(i).reward());
                    o.addProperty("well_formed_after", after.get(i).wellFormed());
                    o.addProperty("log_ratio_after", after.get(i).logRatio());
                    w.write(o);
                }
            }
        });
    }
}
