package jdpo.demo;

import com.google.gson.JsonObject;
import jdpo.cli.Cli;
import jdpo.dpo.PreferenceData;
import jdpo.dpo.PreferencePair;
import jdpo.io.Json;
import jdpo.io.Jsonl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The demo on the shipped weights/tiny, shortened: its files, its numbers, its reproducibility. */
class DemoRunTest {
    static final Path TINY = Path.of("weights/tiny");

    @Test
    void shippedPairsPreferTheMorePositiveContinuation() {
        List<PreferencePair> pairs = PreferenceData.read(TINY.resolve("pairs.jsonl"));
        assertTrue(pairs.size() > 900, "pairs: " + pairs.size());
        SentimentReward reward = new SentimentReward();
        List<String> train = new ReviewWorld().trainPrompts();
        java.util.Set<String> trainSet = new java.util.HashSet<>(train);
        for (PreferencePair p : pairs) {
            assertTrue(reward.reward(p.chosen) > reward.reward(p.rejected), p.source);
            assertTrue(trainSet.contains(p.prompt), "pair prompt is not a training prompt: " + p.prompt);
        }
    }

    @Test
    void shortDemoWritesItsFilesAndIsReproducibleBySeed(@TempDir Path tmp) throws Exception {
        String[] args = {"demo", "--steps", "4", "--eval-prompts", "6", "--seed", "5", "--threads", "1"};
        Cli a = Cli.run(concat(args, "--out", tmp.resolve("a").toString()));
        assertEquals(0, a.exitCode, a.toString());
        Cli b = Cli.run(concat(args, "--out", tmp.resolve("b").toString()));
        assertEquals(0, b.exitCode, b.toString());
        for (String f : new String[] {"metrics.jsonl", "loss.png", "reward_margins.png", "accuracies.png", "reward.png",
                "samples.jsonl", "summary.json", "policy/model.safetensors", "policy/config.json", "policy/vocab.json"}) {
            assertTrue(Files.isRegularFile(tmp.resolve("a").resolve(f)), f);
        }
        JsonObject sa = Json.readObject(tmp.resolve("a/summary.json")), sb = Json.readObject(tmp.resolve("b/summary.json"));
        for (String key : new String[] {"reward_before", "reward_after", "reward_min", "reward_max", "kl"}) {
            assertTrue(sa.has(key), key);
            assertEquals(sa.get(key), sb.get(key), key + " differs between two runs with the same seed");
        }
        assertEquals(-1.0, sa.get("reward_min").getAsDouble());
        assertEquals(1.0, sa.get("reward_max").getAsDouble());
        List<JsonObject> m = Jsonl.readObjects(tmp.resolve("a/metrics.jsonl"));
        assertEquals(4, m.size());
        assertEquals(Math.log(2), m.get(0).get("loss").getAsDouble(), 1e-6, "policy = reference at step 1");
        assertTrue(a.out.contains("log-ratio of y_w") && a.out.contains("-log sigma"), a.out);
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
