package jdpo.lora;

import jdpo.gpt2.Conv1dModule;
import jdpo.gpt2.Gpt2Config;
import jdpo.tensor.Rng;
import jdpo.tensor.Tensor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The two adapters jdpo writes for scripts/reference/lora_reference.py to load into PEFT, made
 * from fixed seeds so a test can check the committed files are exactly what jdpo makes:
 *
 * <ul>
 *   <li>{@code initial/}: PEFT's initialization (A kaiming-uniform, B = 0), r = 4, alpha = 8, on
 *       c_attn, c_proj (both) and c_fc of weights/tiny: where TRL and jdpo both start training;
 *   <li>{@code jdpo-random/}: r = 2, alpha = 4 on attn.c_attn only, with B random too, so the
 *       adapter changes the log-probs PEFT is asked to reproduce.
 * </ul>
 *
 * Regenerate with {@code java -cp target/classes:target/test-classes:GSON_JAR jdpo.lora.LoraFixtures
 * src/test/resources/fixtures/lora}.
 */
public final class LoraFixtures {
    private LoraFixtures() {}

    public static final long INITIAL_SEED = 42, RANDOM_SEED = 7;
    public static final Path DIR = Path.of("src/test/resources/fixtures/lora");

    public static LoraWeights initial(Gpt2Config tiny) {
        return new LoraWeights(tiny, LoraConfig.of(4, 8, List.of("c_attn", "c_proj", "c_fc"))).initialize(new Rng(INITIAL_SEED));
    }

    public static LoraWeights jdpoRandom(Gpt2Config tiny) {
        Rng rng = new Rng(RANDOM_SEED);
        LoraWeights w = new LoraWeights(tiny, LoraConfig.of(2, 4, List.of("attn.c_attn"))).initialize(rng);
        for (int l = 0; l < tiny.nLayer; l++) {
            Tensor b = w.b(l, Conv1dModule.ATTN_C_ATTN);
            b.copyFrom(Tensor.randn(rng, 0.1f, b.shape()));
        }
        return w;
    }

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        Gpt2Config tiny = Gpt2Config.read(Path.of("weights/tiny/config.json"));
        for (String name : new String[] {"initial", "jdpo-random"}) Files.createDirectories(out.resolve(name));
        PeftAdapter.writeInto(out.resolve("initial"), initial(tiny), "weights/tiny");
        PeftAdapter.writeInto(out.resolve("jdpo-random"), jdpoRandom(tiny), "weights/tiny");
    }
}
