package jdpo.gpt2;

import jdpo.dpo.StepBenchmark;
import jdpo.tensor.Kernels;
import jdpo.tensor.Parallel;
import jdpo.tensor.Rng;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
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
 * One sampled token: {@link Gpt2Decoder#next} through every layer and the LM head, with random
 * weights of a {@code config} ({@code tiny}, or {@code gpt2} for the 124M shapes), on contexts
 * of up to {@value #CONTEXT} tokens. Every product has a single row, which is where the vector
 * kernels' unpacked one-row path matters: {@code nextToken} runs the kernels as shipped,
 * {@code nextTokenPacked} runs them in a JVM started with {@code -Djdpo.matmul.thin=false},
 * which packs {@code B} for every product as a taller one would.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx4g"})
public class DecodeBench {
    static final int CONTEXT = 32;

    @Param({"tiny", "gpt2"})
    public String config;

    @Param({"vector"})
    public String kernels;

    @Param({"2"})
    public int threads;

    private Parallel parallel;
    private Gpt2Decoder decoder;
    private int vocab, token;

    @Setup
    public void setup() {
        Gpt2Config c = StepBenchmark.config(config);
        parallel = new Parallel(threads);
        decoder = new Gpt2Decoder(new Gpt2Params(c).initialize(new Rng(1)), Kernels.of(kernels, parallel));
        vocab = c.vocabSize;
    }

    @TearDown
    public void close() {
        parallel.close();
    }

    @Benchmark
    public float nextToken() {
        return feed();
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx4g", "-Djdpo.matmul.thin=false"})
    public float nextTokenPacked() {
        return feed();
    }

    /** Feeds the next of a fixed sequence of token ids, starting over when the context is full. */
    private float feed() {
        if (decoder.length() == CONTEXT) decoder.reset();
        token = (token * 31 + 7) % vocab;
        return decoder.next(token).at(0);
    }
}
