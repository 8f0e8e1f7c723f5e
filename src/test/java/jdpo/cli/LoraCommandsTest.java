package jdpo.cli;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import jdpo.io.Safetensors;
import jdpo.lora.PeftAdapter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code train --lora-r}'s output, {@code --merge-lora}, {@code --adapter} on the commands that run a model, and the refusals. */
class LoraCommandsTest {
    private static final Path TINY = Path.of("weights/tiny");
    private static final String PROMPT = "The acting in this movie was", RESPONSE = " wonderful and the plot was great .";

    @TempDir
    static Path tmp;
    static Path data, adapter, merged;

    @BeforeAll
    static void train() throws IOException {
        data = tmp.resolve("pairs.jsonl");
        Files.write(data, Files.readAllLines(TINY.resolve("pairs.jsonl"), StandardCharsets.UTF_8).subList(0, 8), StandardCharsets.UTF_8);
        adapter = tmp.resolve("adapter");
        merged = tmp.resolve("merged");
        Cli cli = Cli.run(train(adapter, "--max-steps", "3", "--merge-lora", merged.toString()));
        assertEquals(0, cli.exitCode, cli.toString());
    }

    private static String[] train(Path out, String... more) {
        List<String> a = new ArrayList<>(List.of("train", "--model", TINY.toString(), "--data", data.toString(), "--out", out.toString(),
                "--no-progress", "--threads", "1", "--batch-size", "4", "--lr", "1e-2", "--lora-r", "2", "--lora-alpha", "4",
                "--lora-targets", "c_attn,c_fc"));
        a.addAll(Arrays.asList(more));
        return a.toArray(new String[0]);
    }

    @Test
    void theCheckpointIsAPeftAdapterNotAModel() {
        assertTrue(Files.isRegularFile(adapter.resolve(PeftAdapter.CONFIG)));
        assertTrue(Files.isRegularFile(adapter.resolve(PeftAdapter.WEIGHTS)));
        assertFalse(Files.exists(adapter.resolve("model.safetensors")), "no copy of the frozen base");
        // AdamW moments for the adapters only: an exp_avg and an exp_avg_sq per A and B.
        assertEquals(2 * 2 * 2 * 4, Safetensors.read(adapter.resolve("optimizer.safetensors")).size());
        assertTrue(Files.isRegularFile(merged.resolve("model.safetensors")) && Files.isRegularFile(merged.resolve("vocab.json")));
    }

    @Test
    void logprobsWithTheAdapterEqualsTheMergedModelsAndDiffersFromTheBase() {
        double withAdapter = sumLogprob("--model", TINY.toString(), "--adapter", adapter.toString());
        double mergedModel = sumLogprob("--model", merged.toString());
        double base = sumLogprob("--model", TINY.toString());
        assertEquals(mergedModel, withAdapter, 1e-5 * Math.abs(mergedModel));
        assertTrue(Math.abs(withAdapter - base) > 1e-3, withAdapter + " vs base " + base);
    }

    private static double sumLogprob(String... model) {
        List<String> a = new ArrayList<>(List.of("logprobs", "--prompt", PROMPT, "--response", RESPONSE, "--json", "--threads", "1"));
        a.addAll(Arrays.asList(model));
        Cli cli = Cli.run(a.toArray(new String[0]));
        assertEquals(0, cli.exitCode, cli.toString());
        return JsonParser.parseString(cli.out).getAsJsonObject().get("sum_logprob").getAsDouble();
    }

    @Test
    void generateWithTheAdapterSamplesWhatTheMergedModelSamples() {
        String[] common = {"generate", "--prompt", PROMPT, "--temperature", "0", "--max-new-tokens", "12", "--threads", "1"};
        Cli a = Cli.run(concat(common, "--model", TINY.toString(), "--adapter", adapter.toString()));
        Cli m = Cli.run(concat(common, "--model", merged.toString()));
        assertEquals(0, a.exitCode, a.toString());
        assertEquals(m.out, a.out);
    }

    @Test
    void scoreWithTheAdapterUsesTheBaseModelAsTheReference() {
        JsonObject withAdapter = firstScored("--model", TINY.toString(), "--adapter", adapter.toString());
        JsonObject base = firstScored("--model", TINY.toString());
        assertEquals(base.get("logps/chosen").getAsDouble(), withAdapter.get("ref_logps/chosen").getAsDouble(), 1e-9);
        assertNotEquals(0.0, withAdapter.get("rewards/chosen").getAsDouble());
    }

    private static JsonObject firstScored(String... model) {
        Cli cli = Cli.run(concat(new String[] {"score", "--data", data.toString(), "--json", "--threads", "1"}, model));
        assertEquals(0, cli.exitCode, cli.toString());
        return JsonParser.parseString(cli.out.split("\n")[0]).getAsJsonObject();
    }

    @Test
    void aStoppedLoraRunResumesToTheSameAdapterAsAStraightOne() throws IOException {
        Path straight = tmp.resolve("straight"), resumed = tmp.resolve("resumed");
        assertEquals(0, Cli.run(train(straight, "--max-steps", "3")).exitCode);
        assertEquals(0, Cli.run(train(resumed, "--max-steps", "3", "--stop-after", "1")).exitCode);
        Cli cli = Cli.run(train(resumed, "--max-steps", "3", "--resume"));
        assertEquals(0, cli.exitCode, cli.toString());
        assertArrayEquals(Files.readAllBytes(straight.resolve(PeftAdapter.WEIGHTS)), Files.readAllBytes(resumed.resolve(PeftAdapter.WEIGHTS)));
        assertArrayEquals(Files.readAllBytes(straight.resolve("optimizer.safetensors")), Files.readAllBytes(resumed.resolve("optimizer.safetensors")));
    }

    @Test
    void refusesWhatItDoesNotSupportWithOneLine() {
        String[][] cases = {
            {"--lora-dropout 0.05", "error: --lora-dropout 0.05: only 0 is supported (jdpo's LoRA has no dropout)"},
            {"--lora_dropout 0.05", "error: --lora-dropout 0.05: only 0 is supported"}, // TRL's ModelConfig spelling
            {"--lora-targets q_proj", "error: --lora-targets: target module(s) [q_proj] match no linear layer of GPT-2"},
        };
        for (String[] c : cases) {
            Cli cli = Cli.run(train(tmp.resolve("refused"), c[0].split(" ")));
            assertNotEquals(0, cli.exitCode, c[0]);
            assertTrue(cli.err.startsWith(c[1]), c[0] + ": " + cli.err);
            assertEquals(1, cli.err.trim().split("\n").length, cli.err);
            assertFalse(Files.exists(tmp.resolve("refused")));
        }
        Cli negative = Cli.run("train", "--model", TINY.toString(), "--data", data.toString(), "--out", tmp.resolve("refused").toString(),
                "--lora-r", "-1");
        assertTrue(negative.err.startsWith("error: --lora-r must be >= 0, got -1"), negative.err);
        Cli noR = Cli.run("train", "--model", TINY.toString(), "--data", data.toString(), "--out", tmp.resolve("refused").toString(),
                "--lora-alpha", "16");
        assertTrue(noR.err.startsWith("error: --lora-alpha, --lora-targets and --merge-lora need --lora-r"), noR.err);
        Cli fullResume = Cli.run("train", "--model", TINY.toString(), "--data", data.toString(), "--out", adapter.toString(),
                "--resume", "--max-steps", "4", "--batch-size", "4", "--threads", "1");
        assertTrue(fullResume.err.contains("holds a LoRA adapter; resume it with the same --lora-* flags"), fullResume.err);
    }

    private static String[] concat(String[] a, String... b) {
        String[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
