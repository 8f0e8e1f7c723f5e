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
import java.util.Locale;

/**
 * The demo: DPO on the tiny review model, evaluated before and after on held-out prompts.
 *
 * <p>A miniature of the DPO paper's controlled sentiment experiment: the lexicon reward plays
 * the sentiment classifier, the pairs rank base-model samples by it, and the evaluation reports
 * the mean reward of sampled continuations and the KL divergence from the reference.
 */
public final class DemoRun {

    /** What to run. */
    public static final class Settings {
        public Path model = Path.of("weights/tiny");
        public long seed = 1;
        public double beta = 0.1;
        public int steps = 80;
        public int batchSize = 8;
        public double lr = 5e-4;
        public int evalPrompts = 96;
        public int maxNewTokens = 40;
        /** Train LoRA adapters of this config instead of every weight; null: full fine-tuning. */
        public LoraConfig lora;
    }

    /** What one DPO run gave. */
    public static final class Result {
        public double beta, rewardBefore, rewardAfter, kl, seconds;
        public List<Samples.Sample> before, after;
        public Gpt2Params policy;
        public List<StepMetrics> metrics = new ArrayList<>();

        /** How far the reward moved from the base model's level towards the maximum, 0..1. */
        public double normalizedGain() {
            return (rewardAfter - rewardBefore) / (SentimentReward.MAX - rewardBefore);
        }
    }

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

    /** Trains a policy from the base model with DPO at {@code beta} and evaluates it. */
    public Result train(double beta, List<Samples.Sample> before, StepListener listener) throws IOException {
        long t0 = System.nanoTime();
        // Under LoRA the policy is the base model itself plus adapters; the reference shares its weights.
        LoraWeights adapter = s.lora == null ? null : new LoraWeights(base.config, s.lora).initialize(new Rng(s.seed));
        Gpt2 policy = adapter != null ? Gpt2.withAdapters(base, new LoraLayers(adapter, true), k) : Gpt2.trainable(base.copy(), k);
        ModelReference reference = new ModelReference(base, k, false, "frozen copy of the base model");
        DpoStep step = new DpoStep(policy, reference, DpoLoss.standard(beta), false, null);
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
        DpoTrainer trainer = new DpoTrainer(policy, step, new AdamW(0.9, 0.999, 1e-8, 0.0, k.parallel()), encoded, tok.eosId(), ts);
        trainer.train(0, (n, m) -> {
            r.metrics.add(m);
            if (listener != null) listener.onStep(n, ts.maxSteps, m);
        });
        r.policy = adapter != null ? LoraMerge.merged(base, adapter) : policy.params;
        r.before = before;
        r.rewardBefore = Samples.meanReward(before);
        r.after = Samples.draw(r.policy, base, k, tok, evalPrompts, 1, s.maxNewTokens, reward, new Rng(s.seed * 7 + 2));
        r.rewardAfter = Samples.meanReward(r.after);
        r.kl = Samples.klEstimate(r.after);
        r.seconds = (System.nanoTime() - t0) / 1e9;
        return r;
    }

    /** Sees training progress. */
    public interface StepListener {
        void onStep(int step, int total, StepMetrics metrics);
    }

    /** The whole demo: before, train, after, walkthrough, files in {@code outDir}. */
    public Result run(Path outDir) throws IOException {
        long t0 = System.nanoTime();
        Files.createDirectories(outDir);
        out.printf("DPO demo: %s%s, %d preference pairs, beta %s, %d steps of %d pairs%n", base.config,
                s.lora == null ? "" : ", " + s.lora, pairs.size(), s.beta, s.steps, s.batchSize);
        PreferencePair example = pairs.get(0);
        out.printf("%nA preference pair (chosen = the more positive continuation, by the reward):%n  prompt   %s%n"
                + "  chosen   %s  (reward %+.2f)%n  rejected %s  (reward %+.2f)%n", Walkthrough.quote(example.prompt),
                Walkthrough.quote(example.chosen), reward.reward(example.chosen), Walkthrough.quote(example.rejected),
                reward.reward(example.rejected));
        out.printf("%nSampling %d held-out prompts from the base model ...%n", evalPrompts.size());
        out.flush();
        List<Samples.Sample> before = sampleBase();
        out.printf(Locale.ROOT, "  mean reward before DPO: %+.3f  (the reward runs from %+.0f to %+.0f)%n",
                Samples.meanReward(before), SentimentReward.MIN, SentimentReward.MAX);
        out.printf("%nTraining with DPO (loss -log sigmoid(beta * (log-ratio chosen - log-ratio rejected))) ...%n");
        out.flush();
        Path metricsFile = outDir.resolve("metrics.jsonl");
        Files.deleteIfExists(metricsFile);
        Charts.TrainingCurves curves = new Charts.TrainingCurves();
        int every = Math.max(1, s.steps / 8);
        Result r;
        try (Jsonl.Writer metrics = Jsonl.Writer.open(metricsFile, false)) {
            r = train(s.beta, before, (n, total, m) -> {
                metrics.write(m.toJson());
                curves.add(n, m.asMap());
                if (n == 1 || n % every == 0 || n == total) {
                    out.printf(Locale.ROOT, "  step %4d/%d  loss %.4f  reward accuracy %.2f  margin %+.3f  "
                                    + "logps chosen %.2f rejected %.2f  %.0f tok/s%n", n, total, m.get("loss"),
                            m.get("rewards/accuracies"), m.get("rewards/margins"), m.get("logps/chosen"),
                            m.get("logps/rejected"), m.get("tokens_per_s"));
                    out.flush();
                }
            });
        }
        out.printf(Locale.ROOT, "%nAfter DPO, on the same held-out prompts:%n  mean reward %+.3f -> %+.3f  "
                        + "(%.0f%% of the way from the base model to the maximum)%n  KL(policy || reference) = %.3f nats "
                        + "per continuation (estimated from the samples)%n",
                r.rewardBefore, r.rewardAfter, 100 * r.normalizedGain(), r.kl);
        out.println();
        for (int i = 0; i < Math.min(3, before.size()); i++) {
            out.printf("  prompt  %s%n    before %s  (%+.2f)%n    after  %s  (%+.2f)%n", Walkthrough.quote(before.get(i).prompt()),
                    Walkthrough.quote(before.get(i).continuation()), before.get(i).reward(),
                    Walkthrough.quote(r.after.get(i).continuation()), r.after.get(i).reward());
        }
        out.printf("%nOne pair, by the numbers (the trained policy against the frozen reference):%n");
        Walkthrough.print(out, r.policy, base, k, tok, example.prompt, example.chosen, example.rejected, s.beta);

        curves.write(outDir);
        Charts.bars(outDir.resolve("reward.png"), "Mean reward of sampled continuations (held-out prompts)", "reward",
                List.of("before DPO", "after DPO"), List.of(r.rewardBefore, r.rewardAfter));
        writeSamples(outDir.resolve("samples.jsonl"), before, r.after);
        AtomicFiles.replaceDirectory(outDir.resolve("policy"), tmp -> {
            Gpt2Checkpoint.writeInto(tmp, r.policy);
            tok.save(tmp);
        });
        r.seconds = (System.nanoTime() - t0) / 1e9;
        JsonObject summary = new JsonObject();
        summary.addProperty("reward_before", r.rewardBefore);
        summary.addProperty("reward_after", r.rewardAfter);
        summary.addProperty("reward_min", SentimentReward.MIN);
        summary.addProperty("reward_max", SentimentReward.MAX);
        summary.addProperty("normalized_gain", r.normalizedGain());
        summary.addProperty("kl", r.kl);
        summary.addProperty("beta", s.beta);
        summary.addProperty("steps", s.steps);
        summary.addProperty("seed", s.seed);
        summary.addProperty("eval_prompts", evalPrompts.size());
        summary.addProperty("seconds", r.seconds);
        String json = new GsonBuilder().setPrettyPrinting().create().toJson(summary) + "\n";
        AtomicFiles.write(outDir.resolve("summary.json"), tmp -> Files.writeString(tmp, json, StandardCharsets.UTF_8));
        out.printf(Locale.ROOT, "%nWrote %s: metrics.jsonl, loss.png, reward_margins.png, accuracies.png, reward.png, "
                + "samples.jsonl, summary.json and the trained model in policy/ (%.1f s)%n", outDir, r.seconds);
        out.flush();
        return r;
    }

    private static void writeSamples(Path file, List<Samples.Sample> before, List<Samples.Sample> after) {
        AtomicFiles.write(file, tmp -> {
            try (Jsonl.Writer w = Jsonl.Writer.open(tmp, false)) {
                for (int i = 0; i < before.size(); i++) {
                    JsonObject o = new JsonObject();
                    o.addProperty("prompt", before.get(i).prompt());
                    o.addProperty("before", before.get(i).continuation());
                    o.addProperty("reward_before", before.get(i).reward());
                    o.addProperty("after", after.get(i).continuation());
                    o.addProperty("reward_after", after.get(i).reward());
                    o.addProperty("log_ratio_after", after.get(i).logRatio());
                    w.write(o);
                }
            }
        });
    }
}
