package jdpo.hardening;

import jdpo.cli.Cli;
import jdpo.dpo.TrainingCheckpoint;
import jdpo.gpt2.Gpt2Checkpoint;
import jdpo.io.AtomicFiles;
import jdpo.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static jdpo.hardening.NonFiniteTrainingTest.concat;
import static jdpo.hardening.NonFiniteTrainingTest.replaceOut;
import static jdpo.hardening.ResumeTest.metricsWithoutWallClock;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code kill -9} at any moment of a {@code train} that checkpoints after every step (so most
 * moments fall inside a save) leaves {@code --out} a whole checkpoint: it loads, its optimizer
 * state and trainer state name the same step, and resuming it with the same command ends bit for
 * bit where an uninterrupted run ends. The kills land at seeded random moments; the assertions
 * hold for every moment, so the test does not depend on when they land.
 *
 * <p>A chain of real processes: start, kill, start again with {@code --resume}, kill, ...; each
 * state a kill leaves is copied aside and finished in-process.
 */
class KillDuringSaveTest {
    @TempDir
    Path tmp;

    private static final int KILLS = 4;
    private static final long SEED = 20250117L;
    private static final int STEPS = 40;
    private static final String[] RUN = {"--max-steps", Integer.toString(STEPS), "--lr", "1e-3", "--warmup-steps", "3", "--threads", "1"};
    /** Each step saves, so that most moments of a run fall inside a save. */
    private static final String[] KILLED_RUN = concat(RUN, "--save-every", "1");

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS) // a hang guard only; the test takes seconds
    void everyKillLeavesAWholeCheckpointThatResumesExactly() throws Exception {
        Workspace ws = new Workspace(tmp);
        Path straight = tmp.resolve("straight");
        Cli s = Cli.run(replaceOut(ws.trainArgs(RUN), straight));
        assertEquals(0, s.exitCode, s.toString());

        Rng rng = new Rng(SEED);
        int lastStep = 0;
        for (int k = 0; k < KILLS; k++) {
            String[] args = k == 0 ? ws.trainArgs(KILLED_RUN) : ws.trainArgs(concat(KILLED_RUN, "--resume"));
            int delayMs = rng.nextInt(60); // a step line is printed just before its save starts
            boolean killed = runAndKill(args, delayMs);

            AtomicFiles.recover(ws.out); // what every loader does first
            TrainingCheckpoint.Saved saved = TrainingCheckpoint.load(ws.out); // also checks optimizer step == trainer step
            assertTrue(saved.step >= lastStep, "checkpoints only move forward: " + saved.step + " after " + lastStep);
            assertTrue(killed || saved.step == STEPS, "a run that was not killed finished");
            assertEquals(List.of(), Gpt2Checkpoint.load(ws.out).warnings);
            lastStep = saved.step;

            Path copy = tmp.resolve("after-kill-" + k);
            copyTree(ws.out, copy);
            finishAndCompare(ws, copy, straight, "kill " + k + " after " + delayMs + " ms, at step " + saved.step);
        }
        finishAndCompare(ws, ws.out, straight, "the killed chain itself");
        if (lastStep == STEPS) return; // nothing was left to train, so no save came to tidy up
        assertTrue(Files.notExists(ws.out.resolve(".jdpo-staging")) && Files.notExists(ws.out.resolve(".jdpo-commit")),
                "the next save removes what a killed save left");
    }

    /**
     * A kill inside a save's renames: the new checkpoint was committed (its files sit whole in
     * {@code out/.jdpo-commit}) and some were already moved into place, the rest not yet. Built
     * here by hand, as such a kill leaves it; loading finishes the renames, so the checkpoint is
     * the whole new one, and {@code --resume} goes on from it exactly.
     */
    @Test
    void killBetweenTheRenamesOfACommittedSaveIsFinished() throws IOException {
        Workspace ws = new Workspace(tmp);
        Path straight = tmp.resolve("straight");
        assertEquals(0, Cli.run(replaceOut(ws.trainArgs(RUN), straight)).exitCode);
        Path halfway = tmp.resolve("halfway");
        assertEquals(0, Cli.run(replaceOut(ws.trainArgs(concat(RUN, "--stop-after", "30")), halfway)).exitCode);
        Cli first = ws.train(concat(RUN, "--stop-after", "3"));
        assertEquals(0, first.exitCode, first.toString());
        Path commit = Files.createDirectory(ws.out.resolve(".jdpo-commit"));
        Files.copy(halfway.resolve("model.safetensors"), ws.out.resolve("model.safetensors"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        for (String f : List.of("optimizer.safetensors", "trainer_state.json", "config.json")) Files.copy(halfway.resolve(f), commit.resolve(f));
        // The metrics are not part of a checkpoint: by the time of that save they had reached its step.
        Files.copy(halfway.resolve("metrics.jsonl"), ws.out.resolve("metrics.jsonl"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Path staging = Files.createDirectory(ws.out.resolve(".jdpo-staging")); // a later save killed before its commit
        Files.writeString(staging.resolve("model.safetensors"), "half written");
        assertEquals(30, TrainingCheckpoint.load(ws.out).step);
        assertTrue(Files.notExists(commit));
        finishAndCompare(ws, ws.out, straight, "after a kill between the renames");
        assertTrue(Files.notExists(staging), "the next save removes what a killed save left");
    }

    /** A kill before a save's commit leaves the previous checkpoint, untouched by the half-written one. */
    @Test
    void killBeforeTheCommitLeavesThePreviousCheckpoint() throws IOException {
        Workspace ws = new Workspace(tmp);
        Cli first = ws.train(concat(RUN, "--stop-after", "3"));
        assertEquals(0, first.exitCode, first.toString());
        byte[] weights = Files.readAllBytes(ws.out.resolve("model.safetensors"));
        Path staging = Files.createDirectory(ws.out.resolve(".jdpo-staging"));
        Files.writeString(staging.resolve("model.safetensors"), "half written");
        assertEquals(3, TrainingCheckpoint.load(ws.out).step);
        assertArrayEquals(weights, Files.readAllBytes(ws.out.resolve("model.safetensors")));
    }

    /** Resumes {@code dir} in-process with the same command and compares the result with the straight run. */
    private static void finishAndCompare(Workspace ws, Path dir, Path straight, String what) throws IOException {
        Cli r = Cli.run(replaceOut(ws.trainArgs(concat(RUN, "--resume")), dir));
        assertEquals(0, r.exitCode, what + ": " + r);
        for (String f : List.of("model.safetensors", "optimizer.safetensors", "trainer_state.json")) {
            assertArrayEquals(Files.readAllBytes(straight.resolve(f)), Files.readAllBytes(dir.resolve(f)), what + ": " + f);
        }
        assertSameLines(metricsWithoutWallClock(straight.resolve("metrics.jsonl")), metricsWithoutWallClock(dir.resolve("metrics.jsonl")),
                what + ": metrics.jsonl");
    }

    /** Equal lists of lines; a failure shows the first line that differs rather than both files. */
    static void assertSameLines(List<String> expected, List<String> actual, String what) {
        for (int i = 0; i < Math.min(expected.size(), actual.size()); i++) {
            assertEquals(expected.get(i), actual.get(i), what + ", line " + (i + 1));
        }
        assertEquals(expected.size(), actual.size(), what + ": number of lines");
    }

    /**
     * Runs {@code jdpo} in a new JVM, waits for its second logged step (so that a fresh run has
     * saved its first checkpoint), then {@code delayMs} more,
     * and kills it without warning (SIGKILL). Returns false if it had already finished.
     */
    private static boolean runAndKill(String[] args, int delayMs) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"), "jdpo.cli.Main"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            CountDownLatch stepped = new CountDownLatch(2);
            StringBuilder err = new StringBuilder();
            Thread reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = in.readLine()) != null; ) {
                        synchronized (err) {
                            err.append(line).append('\n');
                        }
                        if (line.startsWith("step ")) stepped.countDown();
                    }
                } catch (IOException e) {
                    // the process was killed; its pipe closed
                }
                while (stepped.getCount() > 0) stepped.countDown();
            });
            reader.start();
            assertTrue(stepped.await(60, TimeUnit.SECONDS), "train took a step");
            Thread.sleep(delayMs);
            boolean alive = p.isAlive();
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
            reader.join(10_000);
            synchronized (err) {
                if (!alive) assertEquals(0, p.exitValue(), err.toString());
                assertTrue(!err.toString().contains("error:"), err.toString());
            }
            return alive;
        } finally {
            p.destroyForcibly();
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : (Iterable<Path>) files::iterator) Files.copy(f, to.resolve(f.getFileName().toString()));
        }
    }
}
