package jdpo.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import jdpo.TestFiles;
import jdpo.io.Safetensors;
import jdpo.tensor.Tensor;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code ./jdpo train} against TRL's own {@code DPOTrainer}. {@code
 * scripts/reference/trl_dpo_reference.py} ran TRL (float32, the first 8 pairs of
 * {@code weights/tiny/pairs.jsonl} in every step) with AdamW (clipping, weight decay, linear and cosine
 * schedules, warmup, gradient accumulation) and with plain SGD, with a precomputed reference, with the NLL term on
 * chosen responses, and with every loss jdpo offers, and recorded every metric TRL logged at
 * every step (and, for one run, its evaluation on held-out pairs after training) and how far
 * each weight tensor moved. jdpo, given the same settings as flags, must
 * log the same numbers under the same names and move each tensor as far. Further runs cover the
 * end of an epoch with gradient accumulation (12 pairs, batches of 4, 2 per step), evaluation
 * with a short last batch, warm-up as a fraction of the steps, the losses TRL 1.13 added, and one
 * run written with TRL's own flag names.
 *
 * <p>Tolerances: metrics within {@code 1e-4 * max(1, |value|)} (seen over all runs: 1.1e-5 at
 * most, float32 rounding through 4 steps); the norm of each tensor's change within 1e-3 relative
 * (seen: 6.5e-5), the bound the PyTorch gradient fixtures use.
 */
class TrlReferenceTest {
    private static final Path FIXTURE = TestFiles.resource("fixtures/interop/trl-dpo.json");
    private static final Path TINY = Path.of("weights/tiny");

    @TestFactory
    Stream<DynamicTest> trainLogsWhatTrlLogsAndMovesTheWeightsAsFar(@TempDir Path tmp) throws IOException {
        JsonObject fixture = JsonParser.parseString(Files.readString(FIXTURE, StandardCharsets.UTF_8)).getAsJsonObject();
        int pairs = fixture.get("pairs").getAsInt();
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonElement e : fixture.getAsJsonArray("runs")) {
            JsonObject run = e.getAsJsonObject();
            String name = run.get("name").getAsString();
            tests.add(DynamicTest.dynamicTest(name, () -> check(run, pairs, Files.createDirectories(tmp.resolve(name)))));
        }
        return tests.stream();
    }

    private static void check(JsonObject run, int pairs, Path tmp) throws IOException {
        List<String> all = Files.readAllLines(TINY.resolve("pairs.jsonl"), StandardCharsets.UTF_8);
        List<String> lines = new ArrayList<>(all.subList(0, pairs));
        if (run.has("train_rows")) {
            lines.clear();
            for (JsonElement row : run.getAsJsonArray("train_rows")) lines.add(all.get(row.getAsInt()));
        }
        Path data = tmp.resolve("pairs.jsonl"), out = tmp.resolve("out");
        Files.write(data, lines, StandardCharsets.UTF_8);
        List<String> args = new ArrayList<>(List.of("train", "--model", TINY.toString(), "--data", data.toString(),
                "--out", out.toString(), "--no-progress", "--threads", "1"));
        for (JsonElement a : run.getAsJsonArray("jdpo_args")) args.add(a.getAsString());
        if (run.has("eval_pairs")) {
            JsonArray range = run.getAsJsonArray("eval_pairs");
            Path eval = tmp.resolve("eval.jsonl");
            Files.write(eval, Files.readAllLines(TINY.resolve("pairs.jsonl"), StandardCharsets.UTF_8)
                    .subList(range.get(0).getAsInt(), range.get(1).getAsInt()), StandardCharsets.UTF_8);
            args.addAll(List.of("--eval-data", eval.toString()));
        }
        Cli cli = Cli.run(args.toArray(new String[0]));
        assertEquals(0, cli.exitCode, cli.toString());

        JsonArray expected = run.getAsJsonArray("metrics");
        List<String> logged = assertLogsTrlsSteps(expected, out.resolve("metrics.jsonl"));

        if (run.has("eval_metrics")) {
            // TRL's evaluate() after training; jdpo logs the final evaluation on the last step's line.
            assertSameMetrics("after training", run.getAsJsonObject("eval_metrics"),
                    JsonParser.parseString(logged.get(logged.size() - 1)).getAsJsonObject());
        }

        if (run.has("final_num_tokens")) {
            // The whole data set once, no more: the last step took only the micro-batches left in the epoch.
            assertEquals(run.get("final_num_tokens").getAsDouble(),
                    JsonParser.parseString(logged.get(logged.size() - 1)).getAsJsonObject().get("num_tokens").getAsDouble(), "num_tokens");
        }
        if (!run.has("weight_change_norms")) return;  // the weights depend on the shuffle, which TRL's and jdpo's differ in
        Map<String, Tensor> before = Safetensors.read(TINY.resolve("model.safetensors"));
        Map<String, Tensor> after = Safetensors.read(out.resolve("model.safetensors"));
        JsonObject norms = run.getAsJsonObject("weight_change_norms");
        assertEquals(before.keySet(), norms.keySet(), "TRL's parameters are jdpo's");
        for (String name : norms.keySet()) {
            double want = norms.get(name).getAsDouble(), got = changeNorm(before.get(name), after.get(name));
            if (!(Math.abs(got - want) <= 1e-3 * want)) {
                fail(name + ": TRL moved it by " + want + ", jdpo by " + got);
            }
        }
    }

    /** What TRL 1.13 refuses to run, jdpo refuses too, with a one-line message naming the flag. */
    @TestFactory
    Stream<DynamicTest> trainRefusesWhatTrlRefuses(@TempDir Path tmp) throws IOException {
        JsonObject fixture = JsonParser.parseString(Files.readString(FIXTURE, StandardCharsets.UTF_8)).getAsJsonObject();
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonElement e : fixture.getAsJsonArray("refusals")) {
            JsonObject refusal = e.getAsJsonObject();
            assertTrue(refusal.has("trl_error") && !refusal.get("trl_error").isJsonNull(), "TRL refused " + refusal);
            List<String> args = new ArrayList<>(List.of("train", "--model", TINY.toString(), "--data", TINY.resolve("pairs.jsonl").toString(),
                    "--out", tmp.resolve("out").toString(), "--no-progress"));
            for (JsonElement a : refusal.getAsJsonArray("jdpo_args")) args.add(a.getAsString());
            tests.add(DynamicTest.dynamicTest(String.join(" ", args.subList(8, args.size())), () -> {
                Cli cli = Cli.run(args.toArray(new String[0]));
                assertEquals(1, cli.exitCode, cli.toString());
                assertTrue(cli.err.contains("--label-smoothing"), cli.err);
                assertTrue(!cli.err.contains("\tat "), "no stack trace: " + cli.err);
                assertTrue(!Files.exists(tmp.resolve("out")), "nothing written");
            }));
        }
        return tests.stream();
    }

    /** jdpo's metrics file has one line per step TRL logged, each with TRL's metrics ({@link #assertSameMetrics}); returns the lines. */
    static List<String> assertLogsTrlsSteps(JsonArray expected, Path metricsFile) throws IOException {
        List<String> logged = Files.readAllLines(metricsFile, StandardCharsets.UTF_8);
        assertEquals(expected.size(), logged.size(), "logged steps");
        for (int s = 0; s < expected.size(); s++) {
            assertSameMetrics("step " + (s + 1), expected.get(s).getAsJsonObject(), JsonParser.parseString(logged.get(s)).getAsJsonObject());
        }
        return logged;
    }

    /** Every metric TRL logged is in jdpo's line, within {@code 1e-4 * max(1, |value|)}. */
    private static void assertSameMetrics(String when, JsonObject want, JsonObject got) {
        for (String name : want.keySet()) {
            assertTrue(got.has(name), when + ": jdpo logs no " + name);
            double w = want.get(name).getAsDouble(), g = got.get(name).getAsDouble();
            if (!(Math.abs(w - g) <= 1e-4 * Math.max(1, Math.abs(w)))) fail(when + " " + name + ": TRL " + w + ", jdpo " + g);
        }
    }

    private static double changeNorm(Tensor before, Tensor after) {
        double s = 0;
        for (int i = 0; i < before.size(); i++) {
            double d = (double) after.at(i) - before.at(i);
            s += d * d;
        }
        return Math.sqrt(s);
    }
}
