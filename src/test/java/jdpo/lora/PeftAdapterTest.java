package jdpo.lora;

import jdpo.gpt2.Conv1dModule;
import jdpo.TestFiles;
import jdpo.gpt2.Gpt2Config;
import jdpo.io.BadInputException;
import jdpo.tensor.Rng;
import jdpo.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** PEFT's adapter directory: names, layouts and config as PEFT 0.21 writes and reads them. */
class PeftAdapterTest {
    private static final Gpt2Config TINY = Gpt2Config.read(Path.of("weights/tiny/config.json"));

    @Test
    void theCommittedAdaptersAreExactlyWhatJdposSeededInitializationMakes() {
        Path dir = TestFiles.resource("fixtures/lora");
        assertArrayEquals(LoraFixtures.initial(TINY).all.toArray(), PeftAdapter.read(dir.resolve("initial"), TINY).all.toArray());
        assertArrayEquals(LoraFixtures.jdpoRandom(TINY).all.toArray(), PeftAdapter.read(dir.resolve("jdpo-random"), TINY).all.toArray());
    }

    @Test
    void readsTheAdapterPeftSavedWithPeftsNamesAndShapes() {
        LoraWeights w = PeftAdapter.read(TestFiles.resource("fixtures/lora/trl-trained"), TINY);
        assertEquals(4, w.config.r());
        assertEquals(2f, w.config.scale());
        assertEquals(java.util.EnumSet.allOf(Conv1dModule.class), w.config.modules(), "c_proj adapts attn.c_proj and mlp.c_proj");
        // After training, B is no longer zero.
        assertTrue(w.b(0, Conv1dModule.MLP_C_PROJ).sumOfSquares() > 0);
        assertArrayEquals(new int[] {TINY.nInner, 4}, w.a(0, Conv1dModule.MLP_C_PROJ).shape());
    }

    @Test
    void writesPeftsLayoutTransposedAndReadsItBack(@TempDir Path tmp) throws IOException {
        LoraWeights w = LoraFixtures.jdpoRandom(TINY);
        PeftAdapter.writeInto(tmp, w, "weights/tiny");
        Map<String, Tensor> file = jdpo.io.Safetensors.read(tmp.resolve(PeftAdapter.WEIGHTS));
        assertEquals(2 * TINY.nLayer, file.size());
        Tensor a = file.get("base_model.model.transformer.h.1.attn.c_attn.lora_A.weight");
        Tensor b = file.get("base_model.model.transformer.h.1.attn.c_attn.lora_B.weight");
        assertArrayEquals(new int[] {2, TINY.nEmbd}, a.shape(), "lora_A.weight is [r, in]");
        assertArrayEquals(new int[] {3 * TINY.nEmbd, 2}, b.shape(), "lora_B.weight is [out, r]");
        assertEquals(w.a(1, Conv1dModule.ATTN_C_ATTN).get(5, 1), a.get(1, 5));
        assertEquals(w.b(1, Conv1dModule.ATTN_C_ATTN).get(1, 7), b.get(7, 1));
        assertArrayEquals(w.all.toArray(), PeftAdapter.read(tmp, TINY).all.toArray());
        String config = Files.readString(tmp.resolve(PeftAdapter.CONFIG));
        for (String field : List.of("\"peft_type\": \"LORA\"", "\"r\": 2", "\"lora_alpha\": 4", "\"fan_in_fan_out\": true",
                "\"task_type\": \"CAUSAL_LM\"", "\"base_model_name_or_path\": \"weights/tiny\"", "\"bias\": \"none\"")) {
            assertTrue(config.contains(field), field + " in " + config);
        }
    }

    @Test
    void initializesAAsPeftsKaimingUniformAndBAsZero() {
        LoraWeights w = new LoraWeights(TINY, LoraConfig.of(8, 16, List.of("c_fc", "mlp.c_proj"))).initialize(new Rng(3));
        for (Conv1dModule m : List.of(Conv1dModule.MLP_C_FC, Conv1dModule.MLP_C_PROJ)) {
            Tensor a = w.a(2, m);
            double bound = 1 / Math.sqrt(m.in(TINY)), sq = 0, max = 0;
            for (int i = 0; i < a.size(); i++) {
                max = Math.max(max, Math.abs(a.at(i)));
                sq += a.at(i) * (double) a.at(i);
            }
            assertTrue(max <= bound && max > 0.95 * bound, m + ": max |A| " + max + " vs bound " + bound);
            // Uniform on [-c, c) has variance c^2 / 3.
            assertEquals(bound * bound / 3, sq / a.size(), 0.1 * bound * bound / 3, m.toString());
            assertEquals(0, w.b(2, m).sumOfSquares());
        }
        assertEquals(null, w.a(0, Conv1dModule.ATTN_C_ATTN), "attn.c_attn is not a target");
    }

    @Test
    void peftTargetNamesMatchBySuffixAsPeftMatchesThem() {
        assertEquals(java.util.EnumSet.of(Conv1dModule.ATTN_C_PROJ, Conv1dModule.MLP_C_PROJ), LoraConfig.match(List.of("c_proj")));
        assertEquals(java.util.EnumSet.of(Conv1dModule.ATTN_C_PROJ), LoraConfig.match(List.of("attn.c_proj")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LoraConfig.match(List.of("q_proj")));
        assertTrue(e.getMessage().contains("q_proj"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LoraConfig.match(List.of("proj")), "a suffix must end at a dot");
    }

    @Test
    void refusesPeftOptionsThatChangeTheMathJdpoDoesNotImplement(@TempDir Path tmp) throws IOException {
        PeftAdapter.writeInto(tmp, LoraFixtures.jdpoRandom(TINY), "weights/tiny");
        Path config = tmp.resolve(PeftAdapter.CONFIG);
        String good = Files.readString(config);
        for (String[] change : new String[][] {
                {"\"use_rslora\": false", "\"use_rslora\": true"}, {"\"use_dora\": false", "\"use_dora\": true"},
                {"\"bias\": \"none\"", "\"bias\": \"all\""}, {"\"peft_type\": \"LORA\"", "\"peft_type\": \"IA3\""},
                {"\"rank_pattern\": {}", "\"rank_pattern\": {\"c_attn\": 8}"},
                {"\"target_modules\": [\n    \"attn.c_attn\"\n  ]", "\"target_modules\": \".*c_attn\""}}) {
            assertTrue(good.contains(change[0]), change[0]);
            Files.writeString(config, good.replace(change[0], change[1]));
            BadInputException e = assertThrows(BadInputException.class, () -> PeftAdapter.read(tmp, TINY), change[1]);
            assertTrue(e.getMessage().startsWith(config.toString()), e.getMessage());
        }
    }

    @Test
    void refusesAnAdapterForAnotherModelShape(@TempDir Path tmp) throws IOException {
        PeftAdapter.writeInto(tmp, LoraFixtures.jdpoRandom(TINY), "weights/tiny");
        Gpt2Config wider = new Gpt2Config(TINY.nLayer, TINY.nHead, 2 * TINY.nEmbd, TINY.nPositions, TINY.vocabSize,
                TINY.layerNormEpsilon, TINY.bosTokenId, TINY.eosTokenId);
        BadInputException e = assertThrows(BadInputException.class, () -> PeftAdapter.read(tmp, wider));
        assertTrue(e.getMessage().contains("expected"), e.getMessage());
    }
}
