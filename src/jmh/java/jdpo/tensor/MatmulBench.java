package jdpo.tensor;

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
 * Linear forward {@code y[M,N] = x[M,K] w[K,N] + b}. Each op is 2*M*K*N flops, so GFLOP/s =
 * 2*M*K*N / (seconds per op) / 1e9.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 2, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class MatmulBench {

    /** M x K x N. */
    @Param({"64x768x768"})
    public String shape;

    @Param({"scalar"})
    public String kernels;

    @Param({"1"})
    public int threads;

    private Parallel parallel;
    private Kernels k;
    private Tensor x, w, b, y;

    @Setup(Level.Trial)
    public void setup() {
        String[] d = shape.split("x");
        int m = Integer.parseInt(d[0]), kk = Integer.parseInt(d[1]), n = Integer.parseInt(d[2]);
        Rng rng = new Rng(1);
        x = Tensor.randn(rng, 1f, m, kk);
        w = Tensor.randn(rng, 0.02f, kk, n);
        b = Tensor.randn(rng, 0.02f, n);
        y = Tensor.zeros(m, n);
        parallel = new Parallel(threads);
        k = Kernels.of(kernels, parallel);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        parallel.close();
    }

    @Benchmark
    public Tensor linearForward() {
        k.linearForward(y, x, w, b);
        return y;
    }
}
