package jdpo.tensor;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The {@link Kernels} products at GPT-2 124M shapes (see {@link MatmulBenchmark#gpt2Cases}).
 *
 * <p>{@code product} is {@code op:KxN}, a layer of {@code K -> N} (the LM head is
 * {@code 768 -> 50257}); {@code m} is the rows, batch x sequence length. Each call is
 * {@code 2 m K N} flops. The secondary result {@code gflops} counts those flops; JMH prints it
 * per nanosecond, which <em>is</em> GFLOP/s. (From the primary score: GFLOP/s =
 * ops/ns x 2 m K N.)
 *
 * <p>The scalar kernels need a small {@code m}: run them with {@code -p m=16}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx4g"})
public class MatmulBench {

    @Param({
        "linearForward:768x2304", "linearBackwardInput:768x2304", "linearBackwardWeight:768x2304",
        "linearForward:768x768", "linearBackwardInput:768x768", "linearBackwardWeight:768x768",
        "linearForward:768x3072", "linearBackwardInput:768x3072", "linearBackwardWeight:768x3072",
        "linearForward:3072x768", "linearBackwardInput:3072x768", "linearBackwardWeight:3072x768",
        "lmHeadForward:768x50257", "lmHeadBackwardInput:768x50257", "lmHeadBackwardWeight:768x50257"})
    public String product;

    @Param({"512"})
    public int m;

    @Param({"vector"})
    public String kernels;

    @Param({"1", "2"})
    public int threads;

    private Parallel parallel;
    private Runnable call;
    private long flopsPerCall;

    /** Flops done, as a JMH secondary result: printed per ns, that is GFLOP/s. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Flops {
        public long gflops;

        @Setup(Level.Iteration)
        public void reset() {
            gflops = 0;
        }
    }

    @Setup(Level.Trial)
    public void setup() {
        String[] opAndLayer = product.split(":"), d = opAndLayer[1].split("x");
        MatmulBenchmark.Case c = new MatmulBenchmark.Case(opAndLayer[0], m, Integer.parseInt(d[0]), Integer.parseInt(d[1]));
        parallel = new Parallel(threads);
        call = MatmulBenchmark.product(Kernels.of(kernels, parallel), c, new Rng(1));
        flopsPerCall = (long) c.flops();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        parallel.close();
    }

    @Benchmark
    public void matmul(Flops flops) {
        call.run();
        flops.gflops += flopsPerCall;
    }
}
