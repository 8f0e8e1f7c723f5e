package jdpo.cli;

import com.google.gson.JsonObject;
import jdpo.demo.BetaSweep;
import jdpo.demo.DemoRun;
import jdpo.demo.PairMaker;
import jdpo.demo.ReviewWorld;
import jdpo.demo.SentimentReward;
import jdpo.dpo.PreferencePair;
import jdpo.gpt2.Gpt2Checkpoint;
import jdpo.gpt2.Gpt2Params;
import jdpo.io.AtomicFiles;
import jdpo.io.BadInputException;
import jdpo.io.Jsonl;
import jdpo.io.OutputDirectory;
import jdpo.report.HtmlReport;
import jdpo.report.RunInfo;
import jdpo.tensor.Kernels;
import jdpo.tensor.Rng;
import jdpo.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "demo",
        description = {
            "DPO on the embedded tiny model: watch preference training change what a language model "
                + "writes.",
            "",
            "weights/tiny is a small GPT-2 trained (with `jdpo sft`) on synthetic movie reviews, half "
                + "positive and half negative. A lexicon scores a review's sentiment from -1 to +1: that is "
                + "the reward. The preference pairs pair a more positive continuation (chosen) with a less "
                + "positive one (rejected). DPO trains the model on them against a frozen copy of itself; "
                + "the demo then samples continuations of prompts it never trained on, before, during and after, "
                + "and reports their mean reward, how many are still well-formed reviews (sentences the review "
                + "grammar could have written) and the KL divergence from the reference."},
        mixinStandardHelpOptions = true, sortOptions = false)
final class DemoCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "DIR", description = "The base model with its pairs.jsonl (default: weights/tiny).")
    Path model;

    @Option(names = "--out", paramLabel = "DIR", description = "Where results go (default: runs/demo-<time>).")
    Path out;

    @Option(names = "--beta", defaultValue = "0.3", paramLabel = "B", description = "DPO beta. Default: ${DEFAULT-VALUE}.")
    double beta;

    @Option(names = "--steps", defaultValue = "125", paramLabel = "N", description = "DPO steps. Default: ${DEFAULT-VALUE}.")
    int steps;

    @Option(names = "--batch-size", defaultValue = "8", paramLabel = "PAIRS", description = "Pairs per step. Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--lr", defaultValue = "2e-4", paramLabel = "LR", description = "AdamW learning rate. Default: ${DEFAULT-VALUE}.")
    double lr;

    @Option(names = "--rpo-alpha", defaultValue = "10", paramLabel = "A",
            description = "Weight of RPO's negative log-likelihood term on the chosen responses (TRL's rpo_alpha; 0: plain DPO). Default: ${DEFAULT-VALUE}.")
    double rpoAlpha;

    @Option(names = "--eval-prompts", defaultValue = "96", paramLabel = "N", description = "Held-out prompts sampled before and after. Default: ${DEFAULT-VALUE}.")
    int evalPrompts;

    @Option(names = "--overoptimize",
            description = "The over-optimization lesson: plain DPO with a small beta and a large step (--rpo-alpha 0 --beta 0.1 --lr 5e-4 --steps 80 --eval-every 10, unless given). The reward climbs while the samples stop being reviews; the demo prints where the well-formed rate falls.")
    boolean overoptimize;

    @Option(names = "--eval-every", defaultValue = "25", paramLabel = "N",
            description = "Evaluate on the held-out prompts every N steps (reward, well-formed rate, KL; 0: only after training). Default: ${DEFAULT-VALUE}.")
    int evalEvery;

    @Option(names = "--beta-sweep", split = ",", paramLabel = "B1,B2,...",
            description = "Train one policy per beta and plot reward against KL (e.g. 0.01,0.03,0.1,0.3,1).")
    List<Double> betaSweep;

    @Option(names = "--evaluate", paramLabel = "DIR",
            description = "Compare a model trained from the base model (e.g. by `jdpo train`) with it on the held-out prompts: reward, well-formed rate, KL. Then stop.")
    Path evaluate;

    @Option(names = "--make-pairs", paramLabel = "FILE",
            description = "Sample the base model on training prompts, rank by reward and write preference pairs, then stop.")
    Path makePairs;

    @Option(names = "--pair-prompts", defaultValue = "1000", paramLabel = "N", description = "Prompts for --make-pairs. Default: ${DEFAULT-VALUE}.")
    int pairPrompts;

    @Option(names = "--samples-per-prompt", defaultValue = "4", paramLabel = "K", description = "Samples ranked per prompt for --make-pairs. Default: ${DEFAULT-VALUE}.")
    int samplesPerPrompt;

    @Option(names = "--write-corpus", paramLabel = "FILE", description = "Write N synthetic reviews (one per line) for `jdpo sft` and stop.")
    Path writeCorpus;

    @Option(names = "--corpus-size", defaultValue = "40000", paramLabel = "N", description = "Reviews for --write-corpus. Default: ${DEFAULT-VALUE}.")
    int corpusSize;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "N", description = "Seed for everything random. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Mixin
    LoraOptions lora = new LoraOptions();

    @Mixin
    RuntimeOptions runtime = new RuntimeOptions();

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        if (writeCorpus != null) {
            if (corpusSize < 1) throw new BadInputException("--corpus-size must be at least 1");
            OutputDirectory.requireNewFile(writeCorpus, "--write-corpus");
            List<String> corpus = new ReviewWorld().corpus(new Rng(seed), corpusSize);
            AtomicFiles.write(writeCorpus, tmp -> Files.write(tmp, corpus, StandardCharsets.UTF_8));
            err.println("wrote " + corpus.size() + " reviews to " + writeCorpus);
            return 0;
        }
        DemoRun.Settings s = settings();
        PrintWriter out = spec.commandLine().getOut();
        Kernels kernels = runtime.create();
        try {
            if (makePairs != null) return makePairs(s, kernels, err);
            if (evaluate != null) {
                new DemoRun(s, kernels, out).compare(evaluate);
                return 0;
            }
            if (betaSweep != null) {
                for (double b : betaSweep) if (!(b > 0)) throw new BadInputException("--beta-sweep: every beta must be > 0, got " + b);
            }
            Path dir = this.out != null ? this.out
                    : Path.of("runs", "demo-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
            // A demo folder may be written again (its files are the demo's own); a sweep's folder is a sweep's.
            String kind = betaSweep != null && !betaSweep.isEmpty() ? "demo --beta-sweep" : "demo";
            try (OutputDirectory claimed = OutputDirectory.claim(dir, kind, true);
                 Interruption interruption = Interruption.installStopAtOnce(err,
                         "the demo stopped; " + dir + " holds what it wrote so far", claimed::close)) {
                DemoRun demo = new DemoRun(s, kernels, out);
                if (kind.equals("demo")) demo.run(dir);
                else BetaSweep.run(demo, betaSweep, dir, out);
            }
            HtmlReport.afterRun(dir, RunInfo.demo(dir, s.model, beta), kernels, out);
            return 0;
        } finally {
            kernels.parallel().close();
        }
    }

    /** The demo's settings from the flags, checked; {@code --overoptimize} supplies what the user did not give. */
    private DemoRun.Settings settings() {
        if (!(beta > 0)) throw new BadInputException("--beta must be > 0, got " + beta);
        if (steps < 1 || batchSize < 1 || evalPrompts < 1) throw new BadInputException("--steps, --batch-size and --eval-prompts must be at least 1");
        if (!(lr > 0)) throw new BadInputException("--lr must be > 0, got " + lr);
        if (!(rpoAlpha >= 0) || !Double.isFinite(rpoAlpha)) throw new BadInputException("--rpo-alpha must be >= 0, got " + rpoAlpha);
        if (evalEvery < 0) throw new BadInputException("--eval-every must be >= 0, got " + evalEvery);
        if (overoptimize) {
            var given = spec.commandLine().getParseResult();
            if (!given.hasMatchedOption("--rpo-alpha")) rpoAlpha = 0;
            if (!given.hasMatchedOption("--beta")) beta = 0.1;
            if (!given.hasMatchedOption("--lr")) lr = 5e-4;
            if (!given.hasMatchedOption("--steps")) steps = 80;
            if (!given.hasMatchedOption("--eval-every")) evalEvery = 10;
        }
        DemoRun.Settings s = new DemoRun.Settings();
        s.model = model != null ? model : defaultModel();
        s.seed = seed;
        s.beta = beta;
        s.steps = steps;
        s.batchSize = batchSize;
        s.lr = lr;
        s.evalPrompts = evalPrompts;
        s.evalEvery = evalEvery;
        s.rpoAlpha = rpoAlpha;
        s.lora = lora.config();
        if (lora.mergeTo != null) throw new BadInputException("--merge-lora is a train flag; the demo writes its policy, adapter merged, to OUT/policy");
        return s;
    }

    private int makePairs(DemoRun.Settings s, Kernels kernels, PrintWriter err) throws Exception {
        if (pairPrompts < 1 || samplesPerPrompt < 2) throw new BadInputException("--pair-prompts must be >= 1 and --samples-per-prompt >= 2");
        OutputDirectory.requireNewFile(makePairs, "--make-pairs");
        Gpt2Params base = Gpt2Checkpoint.load(s.model).params;
        Tokenizer tok = Tokenizer.load(s.model);
        Rng rng = new Rng(seed);
        List<String> prompts = new ArrayList<>(new ReviewWorld().trainPrompts());
        rng.shuffle(prompts);
        prompts = prompts.subList(0, Math.min(pairPrompts, prompts.size()));
        err.printf("sampling %d continuations of %d training prompts from %s ...%n", samplesPerPrompt, prompts.size(), s.model);
        err.flush();
        List<PreferencePair> pairs = PairMaker.make(base, kernels, tok, prompts, samplesPerPrompt, 40, new SentimentReward(), rng);
        AtomicFiles.write(makePairs, tmp -> {
            try (Jsonl.Writer w = Jsonl.Writer.open(tmp, false)) {
                for (PreferencePair p : pairs) {
                    JsonObject o = new JsonObject();
                    o.addProperty("prompt", p.prompt);
                    o.addProperty("chosen", p.chosen);
                    o.addProperty("rejected", p.rejected);
                    w.write(o);
                }
            }
        });
        err.printf("wrote %d pairs to %s (%d prompts gave samples of equal reward)%n", pairs.size(), makePairs,
                prompts.size() - pairs.size());
        return 0;
    }

    /** weights/tiny of the working directory, or of the checkout this jar was built in. */
    private static Path defaultModel() {
        Path here = Path.of("weights", "tiny");
        if (Files.isDirectory(here)) return here;
        try {
            Path jar = Path.of(DemoCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path repo = jar.getParent() == null ? null : jar.getParent().getParent();
            if (repo != null && Files.isDirectory(repo.resolve(here))) return repo.resolve(here);
        } catch (Exception ignored) {
            // fall through to the relative path, which then fails with a clear message
        }
        return here;
    }
}
