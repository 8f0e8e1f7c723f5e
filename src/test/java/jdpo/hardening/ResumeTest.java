package jdpo.hardening;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import jdpo.cli.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static jdpo.hardening.NonFiniteTrainingTest.concat;
import static jdpo.hardening.NonFiniteTrainingTest.replaceOut;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What {@code --resume} promises: a run interrupted at step 2 of a planned 4 and resumed with
 * the same command ends bit for bit where the uninterrupted run ends: weights, optimizer moments,
 * trainer state and every metric. The interruption is {@code --stop-after 2} here (a kill at any
 * moment is {@link KillDuringSaveTest}).
 *
 * <p>Metrics are compared without {@code step_time_s} and {@code tokens_per_s}: those two measure
 * wall-clock time and differ between any two runs; every other field must be identical.
 */
class ResumeTest {
    @TempDir
    Path tmp;

    /** The fields of a metrics line that measure time, not training. */
    static final List<String> WALL_CLOCK = List.of("step_time_s", "tokens_per_s");

    /** A linear schedule with warm-up and weight decay, over 1.33 epochs: every piece of state matters. */
    private static final String[] RUN = {"--max-steps", "4", "--batch-size", "2", "--lr", "3e-3", "--warmup-steps", "1",
        "--weight-decay", "0.1", "--save-every", "2"};

    @ParameterizedTest(name = "threads {0}, {1} {2} {3} {4}")
    @CsvSource({
        "1, --optimizer, adamw, --grad-accum, 1",
        "2, --optimizer, adamw, --grad-accum, 1",
        "1, --optimizer, sgd, --grad-accum, 2",
        "2, --loss, ipo, --precompute-ref, --seed=7",
    })
    void stoppedAndResumedEqualsStraight(int threads, String f1, String v1, String f2, String v2) throws IOException {
        Workspace ws = new Workspace(tmp);
        String[] flags = concat(RUN, "--threads", Integer.toString(threads), f1, v1, f2, v2);
        Path straight = tmp.resolve("straight"), resumed = tmp.resolve("resumed");

        Cli a = Cli.run(replaceOut(ws.trainArgs(flags), straight));
        assertEquals(0, a.exitCode, a.toString());
        Cli first = Cli.run(replaceOut(ws.trainArgs(concat(flags, "--stop-after", "2")), resumed));
        assertEquals(0, first.exitCode, first.toString());
        assertTrue(first.err.contains("stopped after step 2 of 4 (--stop-after)"), first.toString());
        Cli second = Cli.run(replaceOut(ws.trainArgs(concat(flags, "--resume")), resumed));
        assertEquals(0, second.exitCode, second.toString());
        assertTrue(second.err.contains("resuming " + resumed + " at step 2"), second.toString());
        assertTrue(!second.err.contains("warning"), second.toString());

        for (String f : List.of("model.safetensors", "optimizer.safetensors", "trainer_state.json", "config.json")) {
            assertArrayEquals(Files.readAllBytes(straight.resolve(f)), Files.readAllBytes(resumed.resolve(f)), f);
        }
        assertEquals(metricsWithoutWallClock(straight.resolve("metrics.jsonl")), metricsWithoutWallClock(resumed.resolve("metrics.jsonl")));
        assertEquals(4, metricsWithoutWallClock(resumed.resolve("metrics.jsonl")).size());
    }

    @Test
    void twoFreshRunsWithTheSameSeedAndThreadsLogTheSameMetrics() throws IOException {
        Workspace ws = new Workspace(tmp);
        String[] flags = concat(RUN, "--threads", "2", "--seed", "5");
        Path one = tmp.resolve("one"), two = tmp.resolve("two"), other = tmp.resolve("other-seed");
        assertEquals(0, Cli.run(replaceOut(ws.trainArgs(flags), one)).exitCode);
        assertEquals(0, Cli.run(replaceOut(ws.trainArgs(flags), two)).exitCode);
        List<String> m1 = metricsWithoutWallClock(one.resolve("metrics.jsonl"));
        assertEquals(4, m1.size());
        assertEquals(m1, metricsWithoutWallClock(two.resolve("metrics.jsonl")));
        assertArrayEquals(Files.readAllBytes(one.resolve("model.safetensors")), Files.readAllBytes(two.resolve("model.safetensors")));

        // The comparison can fail: another seed orders the pairs differently.
        String[] otherSeed = flags.clone();
        otherSeed[otherSeed.length - 1] = "6";
        assertEquals(0, Cli.run(replaceOut(ws.trainArgs(otherSeed), other)).exitCode);
        assertNotEquals(m1, metricsWithoutWallClock(other.resolve("metrics.jsonl")));
    }

    @Test
    void stopAfterAStepAlreadyReachedChangesNothing() throws IOException {
        Workspace ws = new Workspace(tmp);
        assertEquals(0, ws.train(concat(RUN, "--threads", "1", "--stop-after", "3")).exitCode);
        byte[] weights = Files.readAllBytes(ws.out.resolve("model.safetensors"));
        Cli again = ws.train(concat(RUN, "--threads", "1", "--stop-after", "2", "--resume"));
        assertEquals(0, again.exitCode, again.toString());
        assertTrue(again.err.contains("nothing to do: " + ws.out + " is already at step 3"), again.toString());
        assertTrue(again.err.contains("stopped after step 3 of 4"), again.toString());
        assertArrayEquals(weights, Files.readAllBytes(ws.out.resolve("model.safetensors")));
        assertEquals(3, metricsWithoutWallClock(ws.out.resolve("metrics.jsonl")).size());
    }

    /**
     * One rule for a resume with other training flags than the checkpoint's: one warning line per
     * flag that differs, every flag that changes the math included (not only --beta).
     */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
        "--weight-decay, 0.2, weight_decay",
        "--reference-free, , reference_free",
        "--label-smoothing, 0.1, label_smoothing",
        "--adam-beta2, 0.99, adam_beta2",
        "--max-grad-norm, 0.5, max_grad_norm",
    })
    void resumeWithAnotherTrainingFlagWarns(String flag, String value, String key) throws IOException {
        Workspace ws = new Workspace(tmp);
        String[] run = {"--max-steps", "4", "--lr", "3e-3", "--threads", "1"};
        assertEquals(0, ws.train(concat(run, "--stop-after", "2")).exitCode);
        String[] changed = value == null ? concat(run, "--resume", flag) : concat(run, "--resume", flag, value);
        Cli r = ws.train(changed);
        assertEquals(0, r.exitCode, r.toString());
        List<String> warnings = r.err.lines().filter(l -> l.startsWith("warning: ")).toList();
        assertEquals(1, warnings.size(), r.toString());
        assertTrue(warnings.get(0).startsWith("warning: resuming with " + key + " = "), r.toString());
    }

    @Test
    void resumeWithAnotherModelWarns() throws IOException {
        Workspace ws = new Workspace(tmp);
        assertEquals(0, ws.train(concat(RUN, "--threads", "1", "--stop-after", "2")).exitCode);
        Path other = ws.copyModel("reference", "other");
        String[] args = ws.trainArgs(concat(RUN, "--threads", "1", "--resume"));
        for (int i = 0; i < args.length - 1; i++) if (args[i].equals("--model")) args[i + 1] = other.toString();
        Cli r = Cli.run(args);
        assertEquals(0, r.exitCode, r.toString());
        assertTrue(r.err.contains("warning: resuming with model = \"" + other.toAbsolutePath() + "\""), r.toString());
    }

    /** Each line of a metrics file as JSON text without the wall-clock fields, numbers as written. */
    static List<String> metricsWithoutWallClock(Path file) throws IOException {
        List<String> lines = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            JsonObject o = JsonParser.parseString(line).getAsJsonObject();
            for (String k : WALL_CLOCK) assertTrue(o.remove(k) != null, "metrics line without " + k + ": " + line);
            lines.add(o.toString());
        }
        return lines;
    }
}
