package jdpo.io;

import jdpo.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Files written by Hugging Face transformers 4.36 (safetensors' own writer) load as written. */
class HuggingFaceCheckpointsTest {
    private static final Path HF = Path.of("src/test/resources/hf");

    private static final List<String> GPT2_KEYS = List.of(
            "h.0.attn.c_attn.bias", "h.0.attn.c_attn.weight", "h.0.attn.c_proj.bias", "h.0.attn.c_proj.weight",
            "h.0.ln_1.bias", "h.0.ln_1.weight", "h.0.ln_2.bias", "h.0.ln_2.weight",
            "h.0.mlp.c_fc.bias", "h.0.mlp.c_fc.weight", "h.0.mlp.c_proj.bias", "h.0.mlp.c_proj.weight",
            "ln_f.bias", "ln_f.weight", "wpe.weight", "wte.weight");

    private static List<String> prefixed(String prefix) {
        List<String> keys = new ArrayList<>();
        for (String k : GPT2_KEYS) keys.add(prefix + k);
        return keys;
    }

    private static double sum(Tensor t) {
        double s = 0;
        for (int i = 0; i < t.size(); i++) s += t.at(i);
        return s;
    }

    @Test
    void tinyGpt2BareModelKeysShapesAndValues() {
        Path file = HF.resolve("tiny_gpt2/model.safetensors");
        Map<String, Tensor> t = Safetensors.read(file);
        assertEquals(GPT2_KEYS, new ArrayList<>(t.keySet()));
        assertEquals(Map.of("format", "pt"), Safetensors.readMetadata(file));
        assertArrayEquals(new int[] {2, 6}, t.get("h.0.attn.c_attn.weight").shape());
        assertArrayEquals(new int[] {8, 2}, t.get("h.0.mlp.c_proj.weight").shape());
        assertArrayEquals(new int[] {1024, 2}, t.get("wpe.weight").shape());
        assertArrayEquals(new int[] {21, 2}, t.get("wte.weight").shape());
        // Values and sums as numpy reads the same bytes.
        assertEquals(0.004909059498459101f, t.get("h.0.attn.c_attn.weight").at(0));
        assertEquals(0.03195413947105408f, t.get("wte.weight").at(0));
        assertEquals(0.654436124986205, sum(t.get("wpe.weight")), 1e-9);
        assertArrayEquals(new float[] {1, 1}, t.get("ln_f.weight").toArray());
    }

    @Test
    void fakeGpt2LmHeadModelHasTheTransformerPrefixAndTheFullVocabulary() {
        Path file = HF.resolve("fake_gpt2/model.safetensors");
        Map<String, Tensor> t = Safetensors.read(file);
        assertEquals(prefixed("transformer."), new ArrayList<>(t.keySet()));
        assertArrayEquals(new int[] {50257, 2}, t.get("transformer.wte.weight").shape());
        assertEquals(0.027433224022388458f, t.get("transformer.wte.weight").at(0));
        assertEquals(0.577284033384899, sum(t.get("transformer.wte.weight")), 1e-8);
        assertEquals(-0.05586402863264084f, t.get("transformer.h.0.attn.c_attn.weight").at(0));
    }
}
