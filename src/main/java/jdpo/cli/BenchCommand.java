package jdpo.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import jdpo.dpo.StepBenchmark;
import jdpo.io.BadInputException;
import jdpo.lora.LoraConfig;
import jdpo.lora.LoraLayers;
import jdpo.lora.LoraWeights;
import jdpo.tensor.Kernels;
import jdpo.tensor.MatmulBenchmark;
import jdpo.tensor.Parallel;
import jdpo.tensor.Rng;
import jdpo.tensor.VectorKernels;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code jdpo bench}: GFLOP/s of the matrix products at GPT-2 124M shapes, per kernel and thread count. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {
            "Kernel speed: matmul GFLOP/s (scalar vs vector) and one DPO step's time.",
            "",
            "First the GFLOP/s of every GPT-2 124M matrix product (4 linear layers and the LM head; "
                + "forward and both backwards; 2*m*k*n flops each) for the scalar and vector kernels, at 1 "
                + "thread and at --threads. The scalar kernels run on fewer rows (--scalar-m) to finish in "
                + "reasonable time. Then one full DPO training step (--config, --pairs, --seq-len) split "
                + "into policy forward, reference forward, loss, backward and AdamW, with tokens/s. "
                + "Progress goes to stderr; the table (or --json) to stdout."})
public final class BenchCommand implements Callable<Integer> {

    @Option(names = "--json", description = "Print one JSON object: {\"matmul\": [{m, k, n, op, kernel, threads, gflops}, ...]}.")
    boolean json;

    @Option(names = "--threads", paramLabel = "N",
            description = "The many-thread count, next to 1 thread (default: all ${sys:jdpo.bench.cores} cores).")
    int threads = Parallel.defaultThreads();

    @Option(names = "--kernels", paramLabel = "NAME", split = ",", defaultValue = "scalar,vector",
            description = "Kernels to time, comma-separated (default: ${DEFAULT-VALUE}).")
    List<String> kernels;

    @Option(names = "--m", paramLabel = "ROWS", defaultValue = "512",
            description = "Rows of every product for the vector kernels: batch x sequence length (default: ${DEFAULT-VALUE}).")
    int m;

    @Option(names = "--scalar-m", paramLabel = "ROWS", defaultValue = "16",
            description = "Rows for the scalar kernels, which are ~50x slower: this many for the linear layers, "
                    + "an eighth for the LM head (default: ${DEFAULT-VALUE}).")
    int scalarM;

    @Option(names = "--seconds", paramLabel = "S", defaultValue = "0.3",
            description = "Timed seconds per product, after as long a warm-up (default: ${DEFAULT-VALUE}).")
    double seconds;

    @Option(names = "--config", paramLabel = "NAME", defaultValue = "gpt2",
            description = "Model shapes for the DPO step: gpt2 (124M, random weights) or tiny. Default: ${DEFAULT-VALUE}.")
    String config;

    @Option(names = "--pairs", paramLabel = "N", defaultValue = "2", description = "Pairs in the DPO step (2N rows). Default: ${DEFAULT-VALUE}.")
    int pairs;

    @Option(names = "--seq-len", paramLabel = "T", defaultValue = "128", description = "Tokens per row in the DPO step. Default: ${DEFAULT-VALUE}.")
    int seqLen;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "2", description = "Timed DPO steps, after one warm-up step. Default: ${DEFAULT-VALUE}.")
    int steps;

    @Option(names = "--lora-r", paramLabel = "R", defaultValue = "0",
            description = "Time the DPO step of LoRA training instead (adapters of rank R on --lora-targets, alpha 2R): "
                    + "only they train, the reference shares the frozen weights. 0: full training. Default: ${DEFAULT-VALUE}.")
    int loraR;

    @Option(names = "--lora-targets", paramLabel = "NAMES", split = ",", defaultValue = "c_attn",
            description = "Layers the adapters go on, as train's --lora-targets. Default: ${DEFAULT-VALUE}.")
    List<String> loraTargets;

    @Option(names = "--skip-matmul", description = "Time only the DPO step.")
    boolean skipMatmul;

    @Option(names = "--skip-step", description = "Time only the matrix products.")
    boolean skipStep;

    static {
        System.setProperty("jdpo.bench.cores", Integer.toString(Parallel.defaultThreads()));
    }

    @Override
    public Integer call() {
        if (threads < 1) throw new BadInputException("--threads must be at least 1, got " + threads);
        if (m < 1 || scalarM < 1) throw new BadInputException("--m and --scalar-m must be at least 1");
        if (!(seconds > 0)) throw new BadInputException("--seconds must be positive, got " + seconds);
        for (String k : kernels) {
            if (!Kernels.NAMES.contains(k)) {
                throw new BadInputException("--kernels: unknown kernels '" + k + "'; valid: " + String.join(", ", Kernels.NAMES));
            }
        }
        Limits.atMost("--threads", threads, Limits.MAX_THREADS);
        List<Integer> threadCounts = threads == 1 ? List.of(1) : List.of(1, threads);
        PrintStream err = System.err;
        if (!config.equals("gpt2") && !config.equals("tiny")) throw new BadInputException("--config: unknown config '" + config + "'; valid: gpt2, tiny");
        if (pairs < 1 || steps < 1) throw new BadInputException("--pairs and --steps must be at least 1");
        Limits.atMost("--pairs", pairs, Limits.MAX_BATCH);
        int maxT = StepBenchmark.config(config).nPositions;
        if (seqLen < 2 || seqLen > maxT) throw new BadInputException("--seq-len must be in [2, " + maxT + "] for " + config + ", got " + seqLen);
        List<MatmulBenchmark.Case> cases = MatmulBenchmark.gpt2Cases(m);
        if (!skipMatmul) checkMemory(cases);
        err.printf(Locale.ROOT, "bench: %d products x %s kernels x %s threads (vector %d bits)%n",
                cases.size(), kernels, threadCounts, VectorKernels.vectorBits());
        List<MatmulBenchmark.Result> results = skipMatmul ? List.of()
                : new MatmulBenchmark(seconds, seconds).run(cases, kernels, threadCounts,
                (name, c) -> name.equals("scalar") ? MatmulBenchmark.scalarRows(c, scalarM) : m,
                r -> err.println("bench: " + row(r)));
        StepBenchmark.Result step = null;
        if (!skipStep) {
            try (Parallel par = new Parallel(threads)) {
                step = StepBenchmark.run(config, pairs, seqLen, Kernels.of("vector", par), 1, steps, adapters(), s -> err.println("bench: DPO step: " + s));
            }
        }
        if (json) {
            JsonObject out = new JsonObject();
            out.add("matmul", matmulJson(results));
            if (step != null) out.add("step", stepJson(step));
            System.out.println(new GsonBuilder().disableHtmlEscaping().create().toJson(out));
        } else {
            if (!results.isEmpty()) {
                System.out.println(String.format(Locale.ROOT, "%-21s %5s %5s %6s %-7s %7s %9s",
                        "op", "m", "k", "n", "kernel", "threads", "GFLOP/s"));
                for (MatmulBenchmark.Result r : results) System.out.println(row(r));
            }
            if (step != null) {
                System.out.printf(Locale.ROOT, "%nOne DPO step, %s shapes, %d pairs x %d tokens (%d rows), %s kernels, %d threads:%n"
                                + "  policy forward %.3f s, reference forward %.3f s, loss %.3f s, backward %.3f s, AdamW %.3f s%n"
                                + "  total %.3f s per step, %.0f tokens/s; live heap after the step %.0f MiB%n", step.config(), step.pairs(), step.seqLen(), 2 * step.pairs(),
                        step.kernels(), step.threads(), step.policyForward(), step.referenceForward(), step.loss(), step.backward(),
                        step.optimizer(), step.seconds(), step.tokensPerS(), step.liveHeapBytes() / 1048576.0);
                printWhereTheTimeGoes(step, medianVectorGflops(results, threads));
            }
        }
        return 0;
    }

    /** LoRA adapters for --lora-r (PEFT's initialization, seeded), or null. */
    private LoraLayers adapters() {
        if (loraR == 0) return null;
        if (loraR < 0) throw new BadInputException("--lora-r must be >= 0, got " + loraR);
        LoraConfig lc;
        try {
            lc = LoraConfig.of(loraR, 2.0 * loraR, loraTargets);
        } catch (IllegalArgumentException e) {
            throw new BadInputException("--lora-targets: " + e.getMessage());
        }
        return new LoraLayers(new LoraWeights(StepBenchmark.config(config), lc).initialize(new Rng(11)), true);
    }

    /** Refuses, before any timing, an {@code --m} whose largest product (A, B and C in float32) does not fit the heap. */
    private void checkMemory(List<MatmulBenchmark.Case> cases) {
        long largest = 0;
        for (MatmulBenchmark.Case c : cases) {
            largest = Math.max(largest, 4L * ((long) c.m() * c.k() + (long) c.k() * c.n() + (long) c.m() * c.n()));
        }
        long heap = Runtime.getRuntime().maxMemory();
        if (largest > heap * 3 / 4) {
            throw new BadInputException(String.format(Locale.ROOT, "--m %d: the largest product needs %d MB but the Java heap holds at most "
                    + "%d MB; use a smaller --m, or give jdpo more memory (JDPO_JAVA_OPTS=-Xmx8g ./jdpo bench ...)", m, largest >> 20, heap >> 20));
        }
    }

    /**
     * The step's seconds as matrix products (timed in the step), attention (timed alone at the
     * step's shapes) and the rest; then the FLOP bound: the products' FLOPs at the products'
     * median rate in the table above (or, with --skip-matmul, at their rate inside the step).
     */
    private static void printWhereTheTimeGoes(StepBenchmark.Result s, double gemmGflops) {
        double productRate = s.productFlops() / s.productSeconds() / 1e9;
        System.out.printf(Locale.ROOT, "  where the time goes: matrix products %.3f s (%.3f TFLOP, %.0f GFLOP/s), attention %.3f s "
                        + "(timed alone), the rest %.3f s%n",
                s.productSeconds(), s.productFlops() / 1e12, productRate, s.attentionSeconds(), s.restSeconds());
        double rate = Double.isNaN(gemmGflops) ? productRate : gemmGflops;
        double bound = s.productFlops() / (rate * 1e9);
        System.out.printf(Locale.ROOT, "  FLOP bound: %.3f TFLOP of products at %.0f GFLOP/s (%s) = %.3f s; this step takes %.2fx that%n",
                s.productFlops() / 1e12, rate, Double.isNaN(gemmGflops) ? "their rate in this step" : "the median vector rate above",
                bound, s.seconds() / bound);
    }

    /** The median GFLOP/s of the vector kernels at {@code threads} in the table, or NaN when there is none. */
    private static double medianVectorGflops(List<MatmulBenchmark.Result> results, int threads) {
        double[] g = results.stream().filter(r -> r.kernel().equals("vector") && r.threads() == threads)
                .mapToDouble(MatmulBenchmark.Result::gflops).sorted().toArray();
        if (g.length == 0) return Double.NaN;
        return g.length % 2 == 1 ? g[g.length / 2] : (g[g.length / 2 - 1] + g[g.length / 2]) / 2;
    }

    private static JsonObject stepJson(StepBenchmark.Result s) {
        JsonObject o = new JsonObject();
        o.addProperty("config", s.config());
        o.addProperty("pairs", s.pairs());
        o.addProperty("seq_len", s.seqLen());
        o.addProperty("kernels", s.kernels());
        o.addProperty("threads", s.threads());
        o.addProperty("seconds", s.seconds());
        o.addProperty("policy_forward_s", s.policyForward());
        o.addProperty("reference_forward_s", s.referenceForward());
        o.addProperty("loss_s", s.loss());
        o.addProperty("backward_s", s.backward());
        o.addProperty("optimizer_s", s.optimizer());
        o.addProperty("tokens_per_s", s.tokensPerS());
        o.addProperty("live_heap_bytes", s.liveHeapBytes());
        o.addProperty("product_s", s.productSeconds());
        o.addProperty("product_flops", s.productFlops());
        o.addProperty("attention_s", s.attentionSeconds());
        o.addProperty("rest_s", s.restSeconds());
        return o;
    }

    private static String row(MatmulBenchmark.Result r) {
        MatmulBenchmark.Case c = r.shape();
        return String.format(Locale.ROOT, "%-21s %5d %5d %6d %-7s %7d %9.2f",
                c.op(), c.m(), c.k(), c.n(), r.kernel(), r.threads(), r.gflops());
    }

    static JsonArray matmulJson(List<MatmulBenchmark.Result> results) {
        JsonArray rows = new JsonArray();
        for (MatmulBenchmark.Result r : results) {
            JsonObject o = new JsonObject();
            o.addProperty("m", r.shape().m());
            o.addProperty("k", r.shape().k());
            o.addProperty("n", r.shape().n());
            o.addProperty("op", r.shape().op());
            o.addProperty("kernel", r.kernel());
            o.addProperty("threads", r.threads());
            o.addProperty("gflops", Math.round(r.gflops() * 100) / 100.0);
            rows.add(o);
        }
        return rows;
    }
}
