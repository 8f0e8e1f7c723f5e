package jdpo.tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.ToIntBiFunction;

/**
 * Times the {@link Kernels} products at GPT-2 124M shapes and reports GFLOP/s: every product
 * of {@code [m, k]} by {@code [k, n]} is {@code 2 m k n} floating-point operations.
 *
 * <p>The four linear layers of a block (c_attn 768->2304, attn c_proj 768->768, c_fc 768->3072,
 * mlp c_proj 3072->768) each run forward, backward into the input and backward into the weight;
 * the tied LM head (768->50257) likewise. {@code m} is the number of rows, batch times sequence
 * length (512 for 4 x 128 tokens).
 */
public final class MatmulBenchmark {

    /** One product: {@code op} names the {@link Kernels} method; a layer {@code k -> n} over {@code m} rows. */
    public record Case(String op, int m, int k, int n) {
        public double flops() {
            return 2.0 * m * k * n;
        }

        public Case withM(int newM) {
            return new Case(op, newM, k, n);
        }
    }

    /** A measurement: {@code gflops} = iterations * flops / seconds / 1e9. */
    public record Result(Case shape, String kernel, int threads, int iterations, double seconds, double gflops) {}

    /** The linear-layer products, in the order a block runs them. */
    public static final List<String> LINEAR_OPS = List.of("linearForward", "linearBackwardInput", "linearBackwardWeight");
    /** The LM-head products. */
    public static final List<String> LM_HEAD_OPS = List.of("lmHeadForward", "lmHeadBackwardInput", "lmHeadBackwardWeight");

    /** GPT-2 124M: every linear layer and the LM head, each product, over {@code m} rows. */
    public static List<Case> gpt2Cases(int m) {
        int c = 768, v = 50257;
        int[][] layers = {{c, 3 * c}, {c, c}, {c, 4 * c}, {4 * c, c}};
        List<Case> cases = new ArrayList<>();
        for (int[] layer : layers) {
            for (String op : LINEAR_OPS) cases.add(new Case(op, m, layer[0], layer[1]));
        }
        for (String op : LM_HEAD_OPS) cases.add(new Case(op, m, c, v));
        return cases;
    }

    /**
     * Rows that let the scalar kernels finish a case in about a second: {@code scalarM} for a
     * linear layer, an eighth of it (at least 1) for the 65x wider LM head.
     */
    public static int scalarRows(Case c, int scalarM) {
        return LM_HEAD_OPS.contains(c.op()) ? Math.max(1, scalarM / 8) : scalarM;
    }

    private final double warmupSeconds, measureSeconds;

    /**
     * @param warmupSeconds  run at least this long (and at least once) before timing, so the JIT
     *                       has compiled the kernels
     * @param measureSeconds then time whole calls until at least this long (and at least one)
     */
    public MatmulBenchmark(double warmupSeconds, double measureSeconds) {
        this.warmupSeconds = warmupSeconds;
        this.measureSeconds = measureSeconds;
    }

    /** Times one case; operands are random from a fixed seed, outputs accumulate harmlessly. */
    public Result measure(Kernels kernels, Case c) {
        Runnable call = product(kernels, c, new Rng(42));
        repeatFor(call, warmupSeconds);
        long start = System.nanoTime();
        int iterations = repeatFor(call, measureSeconds);
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Result(c, kernels.name(), kernels.parallel().threads(), iterations, seconds,
                iterations * c.flops() / seconds / 1e9);
    }

    /**
     * Every case with every kernel at every thread count, the case's rows replaced by
     * {@code rowsFor(kernel name, case)} (the scalar kernels need fewer to finish in reasonable
     * time); {@code onEach} hears each result as it comes.
     */
    public List<Result> run(List<Case> cases, List<String> kernelNames, List<Integer> threadCounts,
                            ToIntBiFunction<String, Case> rowsFor, Consumer<Result> onEach) {
        List<Result> results = new ArrayList<>();
        for (int threads : threadCounts) {
            try (Parallel parallel = new Parallel(threads)) {
                for (String name : kernelNames) {
                    Kernels kernels = Kernels.of(name, parallel);
                    for (Case c : cases) {
                        Result r = measure(kernels, c.withM(rowsFor.applyAsInt(name, c)));
                        results.add(r);
                        onEach.accept(r);
                    }
                }
            }
        }
        return results;
    }

    private static int repeatFor(Runnable call, double seconds) {
        long end = System.nanoTime() + (long) (seconds * 1e9);
        int n = 0;
        do {
            call.run();
            n++;
        } while (System.nanoTime() < end);
        return n;
    }

    /**
     * The product as a call on fresh operands: inputs N(0, 1), outputs zero. Each call runs the
     * same product again on the same operands ({@code scripts/bench/MatmulServer.java} times
     * such calls in turn with numpy's).
     */
    public static Runnable product(Kernels kn, Case c, Rng rng) {
        int m = c.m(), k = c.k(), n = c.n();
        switch (c.op()) {
            case "linearForward": {
                Tensor y = Tensor.zeros(m, n), x = Tensor.randn(rng, 1f, m, k), w = Tensor.randn(rng, 1f, k, n);
                Tensor b = Tensor.randn(rng, 1f, n);
                return () -> kn.linearForward(y, x, w, b);
            }
            case "linearBackwardInput": {
                Tensor dx = Tensor.zeros(m, k), dy = Tensor.randn(rng, 1f, m, n), w = Tensor.randn(rng, 1f, k, n);
                return () -> kn.linearBackwardInput(dx, dy, w);
            }
            case "linearBackwardWeight": {
                // The product alone: the bias gradient (column sums of dy, no product) is left out,
                // as it is on numpy's side of scripts/bench.
                Tensor dw = Tensor.zeros(k, n);
                Tensor x = Tensor.randn(rng, 1f, m, k), dy = Tensor.randn(rng, 1f, m, n);
                return () -> kn.linearBackwardWeight(dw, null, x, dy);
            }
            case "lmHeadForward": {
                Tensor logits = Tensor.zeros(m, n), x = Tensor.randn(rng, 1f, m, k), wte = Tensor.randn(rng, 1f, n, k);
                return () -> kn.lmHeadForward(logits, x, wte);
            }
            case "lmHeadBackwardInput": {
                Tensor dx = Tensor.zeros(m, k), dlogits = Tensor.randn(rng, 1f, m, n), wte = Tensor.randn(rng, 1f, n, k);
                return () -> kn.lmHeadBackwardInput(dx, dlogits, wte);
            }
            case "lmHeadBackwardWeight": {
                Tensor dwte = Tensor.zeros(n, k), dlogits = Tensor.randn(rng, 1f, m, n), x = Tensor.randn(rng, 1f, m, k);
                return () -> kn.lmHeadBackwardWeight(dwte, dlogits, x);
            }
            default:
                throw new IllegalArgumentException("unknown product '" + c.op() + "'");
        }
    }
}
