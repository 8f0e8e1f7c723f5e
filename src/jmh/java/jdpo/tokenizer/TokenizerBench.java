package jdpo.tokenizer;

import jdpo.tensor.Rng;
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
import org.openjdk.jmh.annotations.Warmup;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * GPT-2 encoding speed on English text. Each operation encodes 1,000,000 bytes (ASCII), so
 * the score in ops/s is the speed in MB/s. {@code cache=warm} keeps the tokenizer's cache of
 * encoded words between operations (steady state); {@code cache=cold} empties it before each
 * one, so every distinct word goes through the merge loop once per operation.
 *
 * <p>Run from the repository root (it reads weights/gpt2).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 2, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class TokenizerBench {

    static final int TEXT_BYTES = 1_000_000;

    @Param({"warm", "cold"})
    public String cache;

    @Param({"weights/gpt2"})
    public String model;

    private Tokenizer gpt2;
    private String text;

    @Setup(Level.Trial)
    public void setup() {
        gpt2 = Tokenizer.load(Path.of(model));
        text = englishText(new Rng(7), TEXT_BYTES);
    }

    @Setup(Level.Invocation)
    public void emptyCache() {
        if (cache.equals("cold")) gpt2.clearCache();
    }

    @Benchmark
    public int[] encode() {
        return gpt2.encode(text);
    }

    private static final String[] WORDS = (
            "the of and to a in is that it was for on are as with his they I at be this have from or "
            + "one had by word but not what all were we when your can said there use an each which she "
            + "do how their if will up other about out many then them these so some her would make like "
            + "him into time has look two more write go see number no way could people my than first "
            + "water been call who oil its now find long down day did get come made may part over new "
            + "sound take only little work know place year live me back give most very after thing our "
            + "just name good sentence man think say great where help through much before line right "
            + "too mean old any same tell boy follow came want show also around form three small set "
            + "put end does another well large must big even such because turn here why ask went men "
            + "read need land different home us move try kind hand picture again change off play spell "
            + "air away animal house point page letter mother answer found study still learn should "
            + "preference optimization language model policy reference reward gradient tokenizer").split(" ");

    /** Sentences of Zipf-like word choices, with capitals, commas, numbers and paragraphs. */
    static String englishText(Rng rng, int length) {
        StringBuilder s = new StringBuilder(length + 200);
        while (s.length() < length) {
            int words = rng.nextInt(5, 20);
            for (int w = 0; w < words; w++) {
                double u = rng.nextDouble();
                String word = WORDS[(int) (WORDS.length * u * u * u)];
                if (w == 0) word = Character.toUpperCase(word.charAt(0)) + word.substring(1);
                else s.append(' ');
                s.append(rng.nextInt(40) == 0 ? Integer.toString(rng.nextInt(10000)) : word);
                if (w + 1 < words && rng.nextInt(9) == 0) s.append(',');
            }
            s.append(rng.nextInt(10) == 0 ? "?" : ".");
            s.append(rng.nextInt(6) == 0 ? "\n\n" : " ");
        }
        return s.substring(0, length);
    }
}
