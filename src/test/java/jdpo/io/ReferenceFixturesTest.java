package jdpo.io;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import jdpo.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The PyTorch fixtures load through jdpo's readers and agree with themselves (loss = mean of the
 * token log-probs, log-probs = log-softmax of the logits, SGD = weights - gradient), so a model
 * test that fails against them points at the model, not at the files.
 */
class ReferenceFixturesTest {
    private static final Path FIXTURES = Path.of("src/test/resources/fixtures");

    static List<String> gpt2Names(int layers) {
        List<String> names = new ArrayList<>(List.of("wte.weight", "wpe.weight"));
        for (int i = 0; i < layers; i++) {
            for (String p : List.of("ln_1.weight", "ln_1.bias", "attn.c_attn.weight", "attn.c_attn.bias",
                    "attn.c_proj.weight", "attn.c_proj.bias", "ln_2.weight", "ln_2.bias", "mlp.c_fc.weight",
                    "mlp.c_fc.bias", "mlp.c_proj.weight", "mlp.c_proj.bias")) {
                names.add("h." + i + "." + p);
            }
        }
        names.add("ln_f.weight");
        names.add("ln_f.bias");
        return names;
    }

    private static int[][] ints(JsonArray rows) {
        int[][] out = new int[rows.size()][];
        for (int r = 0; r < out.length; r++) {
            JsonArray row = rows.get(r).getAsJsonArray();
            out[r] = new int[row.size()];
            for (int t = 0; t < out[r].length; t++) out[r][t] = row.get(t).getAsInt();
        }
        return out;
    }

    private static double logSoftmaxAt(Tensor logitsRow, int id) {
        double max = Double.NEGATIVE_INFINITY;
        for (int v = 0; v < logitsRow.size(); v++) max = Math.max(max, logitsRow.at(v));
        double sum = 0;
        for (int v = 0; v < logitsRow.size(); v++) sum += Math.exp(logitsRow.at(v) - max);
        return logitsRow.at(id) - max - Math.log(sum);
    }

    @ParameterizedTest
    @ValueSource(strings = {"odd36", "prefixed", "wide"})
    void gpt2FixtureIsCompleteAndConsistent(String name) {
        Path dir = FIXTURES.resolve("gpt2").resolve(name);
        Path configFile = dir.resolve("config.json");
        JsonObject config = Json.readObject(configFile);
        int layers = Json.requireInt(config, "n_layer", configFile);
        int vocab = Json.requireInt(config, "vocab_size", configFile);
        int positions = Json.requireInt(config, "n_positions", configFile);
        JsonObject inputs = Json.readObject(dir.resolve("inputs.json"));
        int[][] ids = ints(Json.requireArray(inputs, "input_ids", "inputs"));
        int[][] targets = ints(Json.requireArray(inputs, "targets", "inputs"));
        int promptLength = Json.requireArray(inputs, "prompt_ids", "inputs").size();
        int responseLength = Json.requireArray(inputs, "response_ids", "inputs").size();
        int batch = ids.length, time = ids[0].length;

        Map<String, Tensor> model = Safetensors.read(dir.resolve("model.safetensors"));
        List<String> params = gpt2Names(layers);
        TreeSet<String> expectedKeys = new TreeSet<>();
        if (name.equals("prefixed")) {
            for (String p : params) expectedKeys.add("transformer." + p);
            for (int i = 0; i < layers; i++) {
                expectedKeys.add("transformer.h." + i + ".attn.bias");
                expectedKeys.add("transformer.h." + i + ".attn.masked_bias");
                assertArrayEquals(new int[] {1, 1, positions, positions}, model.get("transformer.h." + i + ".attn.bias").shape());
                assertEquals(-1e4f, model.get("transformer.h." + i + ".attn.masked_bias").at(0));
            }
            expectedKeys.add("lm_head.weight");
            assertArrayEquals(model.get("transformer.wte.weight").toArray(), model.get("lm_head.weight").toArray());
        } else {
            expectedKeys.addAll(params);
        }
        assertEquals(expectedKeys, new TreeSet<>(model.keySet()));

        Map<String, Tensor> expected = Safetensors.read(dir.resolve("expected.safetensors"));
        String prefix = name.equals("prefixed") ? "transformer." : "";
        for (String p : params) {
            assertArrayEquals(model.get(prefix + p).shape(), expected.get("grad." + p).shape(), p);
        }
        Tensor logits = expected.get("logits");
        assertArrayEquals(new int[] {batch, time, vocab}, logits.shape());
        assertArrayEquals(new int[0], expected.get("loss").shape());
        assertArrayEquals(new int[] {responseLength}, expected.get("response_logprobs").shape());
        assertTrue(promptLength + responseLength <= positions);

        Tensor tokenLogprobs = expected.get("token_logprobs");
        double sum = 0;
        int scored = 0;
        for (int b = 0; b < batch; b++) {
            assertEquals(-100, targets[b][time - 1], "the last position has no next token");
            for (int t = 0; t < time; t++) {
                float got = tokenLogprobs.get(b, t);
                if (targets[b][t] == -100) {
                    assertEquals(0f, got);
                    continue;
                }
                assertEquals(ids[b][t + 1], targets[b][t]);
                assertEquals(logSoftmaxAt(logits.row(b).row(t), targets[b][t]), got, 2e-5);
                sum += got;
                scored++;
            }
        }
        assertEquals(-sum / scored, expected.get("loss").at(0), 1e-5);
    }

    @Test
    void dpoFixtureIsCompleteAndConsistent() {
        Path dir = FIXTURES.resolve("dpo");
        List<Jsonl.Line> pairs = Jsonl.readLines(dir.resolve("pairs.jsonl"));
        assertEquals(3, pairs.size());
        for (Jsonl.Line l : pairs) {
            for (String f : List.of("prompt", "chosen", "rejected")) assertTrue(!Json.requireString(l.object(), f, l.where()).isEmpty());
        }
        for (String role : List.of("policy", "reference")) {
            assertEquals(257, Json.readObject(dir.resolve(role).resolve("vocab.json")).size());
            assertEquals(new TreeSet<>(gpt2Names(2)), new TreeSet<>(Safetensors.read(dir.resolve(role).resolve("model.safetensors")).keySet()));
        }
        Map<String, Tensor> policy = Safetensors.read(dir.resolve("policy/model.safetensors"));
        Map<String, Tensor> e = Safetensors.read(dir.resolve("expected.safetensors"));
        double beta = 0.1, mean = 0;
        for (int i = 0; i < 3; i++) {
            double z = (e.get("policy_chosen_logps").at(i) - e.get("reference_chosen_logps").at(i))
                    - (e.get("policy_rejected_logps").at(i) - e.get("reference_rejected_logps").at(i));
            double loss = Math.log1p(Math.exp(-beta * z)); // -log sigmoid(beta z)
            assertEquals(loss, e.get("losses").at(i), 1e-5);
            mean += loss / 3;
        }
        assertEquals(mean, e.get("loss").at(0), 1e-5);
        assertEquals(e.get("loss").at(0), e.get("adamw_losses").at(0), 1e-6);
        for (String p : gpt2Names(2)) {
            Tensor w = policy.get(p), g = e.get("grad." + p), sgd = e.get("sgd." + p), adamw = e.get("adamw." + p);
            for (int i = 0; i < w.size(); i++) assertEquals(w.at(i) - g.at(i), sgd.at(i), p);
            assertArrayEquals(w.shape(), adamw.shape(), p);
        }
    }
}
