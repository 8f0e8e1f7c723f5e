package jdpo.lora;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import jdpo.TestFiles;
import jdpo.gpt2.Gpt2;
import jdpo.gpt2.Gpt2Checkpoint;
import jdpo.gpt2.Gpt2Params;
import jdpo.tensor.Kernels;
import jdpo.tensor.Parallel;
import jdpo.tensor.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * jdpo's LoRA against PEFT 0.21 and TRL 1.13, from the fixture scripts/reference/lora_reference.py
 * made: PEFT loads an adapter jdpo wrote, and jdpo loads the one PEFT saved, to the same log-probs.
 */
class LoraReferenceTest {
    private static final Path TINY = Path.of("weights/tiny");
    private static final Path DIR = TestFiles.resource("fixtures/lora");
    private static final Kernels K = Kernels.of("vector", Parallel.SERIAL);

    private static JsonObject fixture;
    private static Gpt2Params base;
    private static int[][] texts;

    @BeforeAll
    static void load() throws IOException {
        fixture = JsonParser.parseString(Files.readString(DIR.resolve("lora-reference.json"), StandardCharsets.UTF_8)).getAsJsonObject();
        base = Gpt2Checkpoint.load(TINY).params;
        JsonArray t = fixture.getAsJsonArray("texts");
        texts = new int[t.size()][];
        for (int i = 0; i < texts.length; i++) {
            JsonArray ids = t.get(i).getAsJsonArray();
            texts[i] = new int[ids.size()];
            for (int j = 0; j < ids.size(); j++) texts[i][j] = ids.get(j).getAsInt();
        }
    }

    @Test
    void theFixtureRecordsTheToolsThatMadeIt() {
        String madeBy = fixture.get("made_by").getAsString();
        assertTrue(madeBy.contains("peft 0.21") && madeBy.contains("trl 1.13"), madeBy);
    }

    @Test
    void baseModelGivesTheLogProbsTransformersGave() {
        checkLogps("base", Gpt2.frozen(base, K), fixture.getAsJsonArray("base_logps"), 1e-5);
    }

    @Test
    void peftLoadsJdposAdapterToTheLogProbsJdpoGivesItMerged() {
        LoraWeights jdpo = PeftAdapter.read(DIR.resolve("jdpo-random"), base.config);
        checkLogps("merged jdpo-random", Gpt2.frozen(LoraMerge.merged(base, jdpo), K),
                fixture.getAsJsonObject("peft_loads_jdpo").getAsJsonArray("logps"), 1e-5);
    }

    @Test
    void jdpoLoadsPeftsTrainedAdapterToTheLogProbsPeftGaveMerged() {
        LoraWeights trained = PeftAdapter.read(DIR.resolve("trl-trained"), base.config);
        checkLogps("merged trl-trained", Gpt2.frozen(LoraMerge.merged(base, trained), K), fixture.getAsJsonArray("trained_logps"), 1e-5);
    }

    @Test
    void peftLoadsJdposAdapterToTheLogProbsJdpoGivesWithIt() {
        LoraWeights jdpo = PeftAdapter.read(DIR.resolve("jdpo-random"), base.config);
        checkLogps("jdpo-random", Gpt2.withAdapters(base, new LoraLayers(jdpo, false), K),
                fixture.getAsJsonObject("peft_loads_jdpo").getAsJsonArray("logps"), 1e-5);
    }

    @Test
    void jdpoLoadsPeftsTrainedAdapterToTheLogProbsPeftGaveWithIt() {
        LoraWeights trained = PeftAdapter.read(DIR.resolve("trl-trained"), base.config);
        checkLogps("trl-trained", Gpt2.withAdapters(base, new LoraLayers(trained, false), K), fixture.getAsJsonArray("trained_logps"), 1e-5);
    }

    @Test
    void theMergedModelGivesTheAdapterModelsLogProbsWithin1e5() {
        for (String name : new String[] {"trl-trained", "jdpo-random"}) {
            LoraWeights w = PeftAdapter.read(DIR.resolve(name), base.config);
            Gpt2 adapted = Gpt2.withAdapters(base, new LoraLayers(w, false), K), merged = Gpt2.frozen(LoraMerge.merged(base, w), K);
            for (int[] ids : texts) {
                double a = summedLogps(adapted, ids), m = summedLogps(merged, ids);
                assertEquals(a, m, 1e-5 * Math.abs(a), name);
            }
        }
    }

    /** Summed log-probs within {@code rtol} relative of the recorded ones, and not the base model's. */
    static void checkLogps(String what, Gpt2 model, JsonArray expected, double rtol) {
        JsonArray baseLogps = fixture.getAsJsonArray("base_logps");
        for (int i = 0; i < texts.length; i++) {
            double want = expected.get(i).getAsDouble(), got = summedLogps(model, texts[i]);
            assertEquals(want, got, rtol * Math.abs(want), what + ", text " + i);
            if (expected != baseLogps) {
                assertTrue(Math.abs(want - baseLogps.get(i).getAsDouble()) > 100 * rtol * Math.abs(want),
                        what + ": the adapter must change the log-probs for this check to mean anything");
            }
        }
    }

    /** {@code sum over t >= 1 of log p(ids[t] | ids[:t])}, in double. */
    static double summedLogps(Gpt2 model, int[] ids) {
        int T = ids.length;
        Tensor logits = model.forward(ids, 1, T);
        int V = logits.dim(-1);
        double sum = 0;
        for (int t = 0; t + 1 < T; t++) {
            double max = Double.NEGATIVE_INFINITY, z = 0;
            for (int v = 0; v < V; v++) max = Math.max(max, logits.data[logits.offset + t * V + v]);
            for (int v = 0; v < V; v++) z += Math.exp(logits.data[logits.offset + t * V + v] - max);
            sum += logits.data[logits.offset + t * V + ids[t + 1]] - max - Math.log(z);
        }
        return sum;
    }
}
