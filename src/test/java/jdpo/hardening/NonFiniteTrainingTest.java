package jdpo.hardening;

import jdpo.cli.Cli;
import jdpo.dpo.TrainingCheckpoint;
import jdpo.io.Safetensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A step whose loss or gradient is not finite stops training with one line naming the step,
 * and the checkpoint of the last good step stays in {@code --out}, whole and loadable.
 */
class NonFiniteTrainingTest {
    @TempDir
    Path tmp;

    /** SGD with lr 1e30: step 1 is finite but throws the weights to ~1e29, so step 2's loss is NaN. */
    private static final String[] EXPLODING = {"--optimizer", "sgd", "--lr", "1e30", "--lr-schedule", "constant"};

    @Test
    void nanAtStepTwoStopsTrainingAndKeepsStepOne() throws IOException {
        Workspace ws = new Workspace(tmp);
        Cli r = ws.train(concat(EXPLODING, "--max-steps", "4", "--save-every", "1"));
        String line = r.err.lines().filter(l -> l.startsWith("error: ")).findFirst().orElse("");
        assertEquals(1, r.exitCode, r.toString());
        assertEquals("error: step 2: the loss is NaN; training stopped; " + ws.out + " holds the checkpoint of step 1", line, r.toString());
        assertEquals(1, r.err.lines().filter(l -> l.startsWith("error")).count(), r.toString());
        assertFalse(r.err.contains("\tat ") || r.err.contains("Exception"), r.toString());

        TrainingCheckpoint.Saved saved = TrainingCheckpoint.load(ws.out);
        assertEquals(1, saved.step);
        for (float v : saved.params.all.toArray()) assertTrue(Float.isFinite(v), "step 1's weights are finite");

        // Step 1 on its own (the constant schedule makes it independent of --max-steps).
        Path single = tmp.resolve("single");
        Cli one = Cli.run(replaceOut(ws.trainArgs(concat(EXPLODING, "--max-steps", "1")), single));
        assertEquals(0, one.exitCode, one.toString());
        assertArrayEquals(Files.readAllBytes(single.resolve("model.safetensors")), Files.readAllBytes(ws.out.resolve("model.safetensors")),
                "the checkpoint left in --out holds exactly step 1's weights");
        assertArrayEquals(Safetensors.read(single.resolve("model.safetensors")).get("wte.weight").toArray(),
                saved.params.wte.toArray());
        List<String> metrics = Files.readAllLines(ws.out.resolve("metrics.jsonl"));
        assertEquals(1, metrics.size(), "only the good step is logged");
        assertTrue(metrics.get(0).contains("\"step\":1"), metrics.get(0));
    }

    @Test
    void nanBeforeAnyCheckpointSaysSo() {
        Workspace ws = new Workspace(tmp);
        Cli r = ws.train(concat(EXPLODING, "--max-steps", "4"));
        assertEquals(1, r.exitCode, r.toString());
        assertTrue(r.err.contains("error: step 2: the loss is NaN; training stopped; no checkpoint was saved"), r.toString());
        assertFalse(TrainingCheckpoint.exists(ws.out));
    }

    @Test
    void nonFiniteWeightsAreRefusedBeforeTraining() {
        Workspace ws = new Workspace(tmp);
        var tensors = Safetensors.read(ws.weights());
        tensors.get("ln_f.weight").put(3, Float.NaN);
        Safetensors.write(ws.weights(), tensors, java.util.Map.of());
        java.util.TreeSet<String> before = ws.listing();
        ws.assertRefused(before, ws.train(), ws.weights() + ": tensor ln_f.weight holds NaN or infinite values");
    }

    static String[] concat(String[] a, String... b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    static String[] replaceOut(String[] args, Path out) {
        String[] copy = args.clone();
        for (int i = 0; i < copy.length - 1; i++) if (copy[i].equals("--out")) copy[i + 1] = out.toString();
        return copy;
    }
}
