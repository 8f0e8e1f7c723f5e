package jdpo.tensor;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import jdpo.cli.Cli;
import jdpo.gpt2.Gpt2Checkpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code --kernels scalar --threads 1}, the run to step through in a debugger, gives the bits of
 * the default run (vector kernels, every core): a few DPO steps with AdamW on the tiny model log
 * the same metrics, double for double, and save the same weights and optimizer moments, float
 * for float. Only the timings differ.
 */
class ScalarTwinTest {
    private static final Path TINY = Path.of("weights/tiny");

    @Test
    void scalarOnOneThreadTrainsToTheSameBitsAsTheDefaultRun(@TempDir Path tmp) throws IOException {
        Path data = tmp.resolve("pairs.jsonl");
        Files.write(data, Files.readAllLines(TINY.resolve("pairs.jsonl"), StandardCharsets.UTF_8).subList(0, 6),
                StandardCharsets.UTF_8);
        Path scalar = train(tmp.resolve("scalar"), data, "--kernels", "scalar", "--threads", "1");
        Path vector = train(tmp.resolve("vector"), data);

        List<String> a = Files.readAllLines(scalar.resolve("metrics.jsonl")), b = Files.readAllLines(vector.resolve("metrics.jsonl"));
        assertEquals(3, a.size(), "logged steps");
        assertEquals(a.size(), b.size(), "logged steps");
        for (int s = 0; s < a.size(); s++) {
            assertEquals(withoutTimings(a.get(s)), withoutTimings(b.get(s)), "metrics of step " + (s + 1));
        }
        assertArrayEquals(weights(scalar), weights(vector), "weights after training");
        assertArrayEquals(Files.readAllBytes(scalar.resolve("optimizer.safetensors")),
                Files.readAllBytes(vector.resolve("optimizer.safetensors")), "AdamW moments");
    }

    private static Path train(Path out, Path data, String... runtime) {
        List<String> args = new ArrayList<>(List.of("train", "--model", TINY.toString(), "--data", data.toString(),
                "--out", out.toString(), "--no-progress", "--batch-size", "2", "--max-steps", "3", "--lr", "1e-3",
                "--weight-decay", "0.1", "--rpo-alpha", "0.5"));
        args.addAll(List.of(runtime));
        Cli cli = Cli.run(args.toArray(new String[0]));
        assertEquals(0, cli.exitCode, cli.toString());
        return out;
    }

    /** A logged line without the wall-clock fields: what is left is arithmetic. */
    private static JsonObject withoutTimings(String line) {
        JsonObject o = JsonParser.parseString(line).getAsJsonObject();
        o.remove("step_time_s");
        o.remove("tokens_per_s");
        return o;
    }

    private static float[] weights(Path dir) {
        return Gpt2Checkpoint.load(dir).params.all.toArray();
    }
}
