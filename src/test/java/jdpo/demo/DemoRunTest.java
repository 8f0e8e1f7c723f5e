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
        String[] args = {"demo", "--steps", "4", "--eval-every", "2", "--eval-prompts", "6", "--seed", "5", "--threads", "1"};
        Cli a = Cli.run(concat(args, "--out", tmp.resolve("a").toString()));
        assertEquals(0, a.exitCode, a.toString());
        Cli b = Cli.run(concat(args, "--out", tmp.resolve("b").toString()));
        assertEquals(0, b.exitCode, b.toString());
        for (String f : new String[] {"metrics.jsonl", "eval.jsonl", "loss.png", "reward_margins.png", "accuracies.png",
                "evaluation.png", "reward.png", "samples.jsonl", "summary.json", "policy/model.safetensors",
                "policy/config.json", "policy/vocab.json"}) {
            assertTrue(Files.isRegularFile(tmp.resolve("a").resolve(f)), f);
        }
        JsonObject sa = Json.readObject(tmp.resolve("a/summary.json")), sb = Json.readObject(tmp.resolve("b/summary.json"));
        for (String key : SUMMARY_KEYS) {
            assertTrue(sa.has(key), key);
            assertEquals(sa.get(key), sb.get(key), key + " differs between two runs with the same seed");
        }
        assertEquals(-1.0, sa.get("reward_min").getAsDouble());
        assertEquals(1.0, sa.get("reward_max").getAsDouble());
        List<JsonObject> m = Jsonl.readObjects(tmp.resolve("a/metrics.jsonl"));
        assertEquals(4, m.size());
        assertEquals(Math.log(2), m.get(0).get("dpo_loss").getAsDouble(), 1e-6, "policy = reference at step 1");
        assertTrue(m.get(0).get("loss").getAsDouble() > Math.log(2) + 1, "the logged loss includes the RPO term");
        assertTrue(a.out.contains("log-ratio of y_w") && a.out.contains("-log sigma"), a.out);
    }

    static final String[] SUMMARY_KEYS = {"reward_before", "reward_after", "reward_min", "reward_max", "normalized_gain",
        "well_formed_before", "well_formed_after", "ref_logprob_per_token_before", "ref_logprob_per_token_after", "kl"};

    /**
     * summary.json, samples.jsonl and eval.jsonl tell one story: the summary's rates are the
     * samples' means, each sample's flag agrees with the recognizer, the evaluations run from the
     * base model (step 0, KL 0) to the trained policy (the summary's after) every --eval-every steps.
     */
    @Test
    void summarySamplesAndEvaluationsAgree(@TempDir Path tmp) throws Exception {
        Cli run = Cli.run("demo", "--steps", "6", "--eval-every", "3", "--eval-prompts", "12", "--seed", "2",
                "--threads", "1", "--out", tmp.toString());
        assertEquals(0, run.exitCode, run.toString());
        JsonObject summary = Json.readObject(tmp.resolve("summary.json"));
        List<JsonObject> samples = Jsonl.readObjects(tmp.resolve("samples.jsonl"));
        assertEquals(12, samples.size());
        ReviewWorld world = new ReviewWorld();
        SentimentReward reward = new SentimentReward();
        for (String when : new String[] {"before", "after"}) {
            double wellFormed = 0, rewardSum = 0;
            for (JsonObject o : samples) {
                String text = o.get(when).getAsString();
                boolean flag = o.get("well_formed_" + when).getAsBoolean();
                if (flag) assertTrue(world.isContinuation(text), "marked well-formed: " + text);
                if (!world.isContinuation(text)) assertTrue(!flag, "marked well-formed: " + text);
                wellFormed += flag ? 1 : 0;
                assertEquals(reward.reward(text), o.get("reward_" + when).getAsDouble(), text);
                rewardSum += o.get("reward_" + when).getAsDouble();
            }
            assertEquals(wellFormed / samples.size(), summary.get("well_formed_" + when).getAsDouble(), 1e-12, when);
            assertEquals(rewardSum / samples.size(), summary.get("reward_" + when).getAsDouble(), 1e-12, when);
            double perToken = summary.get("ref_logprob_per_token_" + when).getAsDouble();
            assertTrue(perToken < 0 && perToken > -20, when + ": " + perToken);
        }
        double kl = 0;
        for (JsonObject o : samples) kl += o.get("log_ratio_after").getAsDouble();
        assertEquals(kl / samples.size(), summary.get("kl").getAsDouble(), 1e-9);

        List<JsonObject> evals = Jsonl.readObjects(tmp.resolve("eval.jsonl"));
        assertEquals(List.of(0, 3, 6), evals.stream().map(e -> e.get("step").getAsInt()).collect(java.util.stream.Collectors.toList()));
        JsonObject first = evals.get(0), last = evals.get(evals.size() - 1);
        assertEquals(0.0, first.get("kl").getAsDouble(), "the base model is its own reference");
        for (String when : new String[] {"before", "after"}) {
            JsonObject e = when.equals("before") ? first : last;
            assertEquals(summary.get("reward_" + when).getAsDouble(), e.get("reward").getAsDouble(), when);
            assertEquals(summary.get("well_formed_" + when).getAsDouble(), e.get("well_formed").getAsDouble(), when);
            assertEquals(summary.get("ref_logprob_per_token_" + when).getAsDouble(), e.get("ref_logprob_per_token").getAsDouble(), when);
        }
        assertEquals(summary.get("kl").getAsDouble(), last.get("kl").getAsDouble());
    }

    /** sweep.json has, per beta, the before / after columns of summary.json. */
    @Test
    void sweepRowsCarryTheSummaryColumns(@TempDir Path tmp) throws Exception {
        Cli run = Cli.run("demo", "--beta-sweep", "0.1,1", "--steps", "1", "--eval-prompts", "3", "--threads", "1",
                "--out", tmp.toString());
        assertEquals(0, run.exitCode, run.toString());
        assertTrue(Files.isRegularFile(tmp.resolve("reward_vs_kl.png")));
        com.google.gson.JsonArray rows = com.google.gson.JsonParser.parseString(Files.readString(tmp.resolve("sweep.json")))
                .getAsJsonArray();
        assertEquals(2, rows.size());
        for (int i = 0; i < 2; i++) {
            JsonObject row = rows.get(i).getAsJsonObject();
            assertEquals(i == 0 ? 0.1 : 1.0, row.get("beta").getAsDouble());
            for (String key : SUMMARY_KEYS) {
                if (!key.startsWith("reward_m")) assertTrue(row.has(key), key + " missing in " + row);
            }
            assertEquals(rows.get(0).getAsJsonObject().get("well_formed_before"), row.get("well_formed_before"),
                    "every beta starts from the same base-model samples");
        }
    }

    /** --overoptimize runs plain DPO with a small beta and a large step, and an explicit flag still wins. */
    @Test
    void overoptimizeSwitchesToPlainDpoUnlessTold(@TempDir Path tmp) throws Exception {
        String[] args = {"demo", "--overoptimize", "--steps", "1", "--eval-every", "0", "--eval-prompts", "2", "--threads", "1"};
        Cli plain = Cli.run(concat(args, "--out", tmp.resolve("a").toString()));
        assertEquals(0, plain.exitCode, plain.toString());
        JsonObject a = Json.readObject(tmp.resolve("a/summary.json"));
        assertEquals(0.0, a.get("rpo_alpha").getAsDouble());
        assertEquals(0.1, a.get("beta").getAsDouble());
        assertEquals(5e-4, a.get("lr").getAsDouble());
        Cli told = Cli.run(concat(args, "--beta", "0.5", "--out", tmp.resolve("b").toString()));
        assertEquals(0, told.exitCode, told.toString());
        assertEquals(0.5, Json.readObject(tmp.resolve("b/summary.json")).get("beta").getAsDouble());
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
