package jdpo.hardening;

import jdpo.cli.Cli;
import jdpo.dpo.TrainingCheckpoint;
import jdpo.io.OutputDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Ctrl-C, {@code kill} and a closed terminal during a long {@code train} (without
 * {@code --save-every}) keep the work: the run saves a checkpoint of the last finished step, says
 * in one line where it is and how to go on, and exits with the shell's code for the signal. A real
 * child JVM receives a real signal.
 */
class SignalTest {
    @TempDir
    Path tmp;

    private static final String[] LONG_RUN = {"--max-steps", "100000", "--lr", "1e-3", "--threads", "1"};

    @ParameterizedTest(name = "SIG{0} -> exit {1}")
    @CsvSource({"INT, 130", "TERM, 143", "HUP, 129"})
    @Timeout(value = 120, unit = TimeUnit.SECONDS) // a hang guard only
    void aSignalSavesACheckpointAndSaysHowToResume(String signal, int exitCode) throws Exception {
        Workspace ws = new Workspace(tmp);
        Child child = Child.start(ws.trainArgs(LONG_RUN));
        child.awaitLines("step ", 2);
        child.signal(signal);
        assertEquals(exitCode, child.waitForExit(), child.err());

        int step = TrainingCheckpoint.load(ws.out).step;
        assertTrue(step >= 2, child.err());
        List<String> lines = child.err().lines().toList();
        String last = lines.get(lines.size() - 1);
        assertEquals("jdpo: interrupted (SIG" + signal + "): saved the checkpoint of step " + step + " of 100000 in " + ws.out
                + "; the same command with --resume continues it", last, child.err());
        assertFalse(Files.exists(ws.out.resolve(OutputDirectory.LOCK)), "the lock is released");

        Cli resumed = ws.train(NonFiniteTrainingTest.concat(LONG_RUN, "--resume", "--stop-after", Integer.toString(step + 1)));
        assertEquals(0, resumed.exitCode, resumed.toString());
        assertTrue(resumed.err.contains("resuming " + ws.out + " at step " + step), resumed.toString());
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void sftSavesTheModelSoFarOnASignal() throws Exception {
        Workspace ws = new Workspace(tmp);
        Path corpus = Files.writeString(tmp.resolve("corpus.txt"), "a good film\na bad film\na long film\n");
        Path out = tmp.resolve("sft");
        Child child = Child.start(new String[] {"sft", "--model", ws.model.toString(), "--data", corpus.toString(), "--out", out.toString(),
            "--steps", "100000", "--batch-size", "2", "--log-every", "1", "--threads", "1"});
        child.awaitLines("step ", 2);
        child.signal("INT");
        assertEquals(130, child.waitForExit(), child.err());
        assertTrue(child.err().lines().reduce((a, b) -> b).orElse("").startsWith("jdpo: interrupted (SIGINT): saved the model of step "),
                child.err());
        assertTrue(Files.isRegularFile(out.resolve("model.safetensors")), child.err());
    }

    /** The demo has nothing to resume: a signal stops it at once, with one line, its code, and its lock released. */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void demoStopsAtOnceOnASignal() throws Exception {
        Path out = tmp.resolve("demo");
        Child child = Child.start(new String[] {"demo", "--out", out.toString(), "--steps", "100000", "--threads", "1"});
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(out.resolve(OutputDirectory.MARKER)) && System.nanoTime() < deadline) Thread.sleep(50);
        assertTrue(Files.exists(out.resolve(OutputDirectory.MARKER)), child.err());
        Thread.sleep(500); // past the claim, into the demo's work
        child.signal("TERM");
        assertEquals(143, child.waitForExit(), child.err());
        assertEquals("jdpo: interrupted (SIGTERM): the demo stopped; " + out + " holds what it wrote so far",
                child.err().lines().reduce((a, b) -> b).orElse(""), child.err());
        assertFalse(Files.exists(out.resolve(OutputDirectory.LOCK)), "the lock is released");
    }

    /** A {@code jdpo} in its own JVM, with its stderr collected line by line. */
    static final class Child {
        final Process process;
        private final StringBuilder err = new StringBuilder();
        private final List<String> lines = new ArrayList<>();
        private final Thread reader;

        private Child(Process process) {
            this.process = process;
            this.reader = new Thread(this::read);
            reader.start();
        }

        static Child start(String[] args) throws IOException {
            return new Child(new ProcessBuilder(Workspace.jdpoInNewJvm(args)).redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
        }

        private void read() {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    synchronized (this) {
                        if (!line.startsWith("WARNING: Using incubator modules")) err.append(line).append('\n');
                        lines.add(line);
                        notifyAll();
                    }
                }
            } catch (IOException e) {
                // the process ended; its pipe closed
            }
        }

        /** Waits until {@code n} lines starting with {@code prefix} have been printed. */
        synchronized void awaitLines(String prefix, int n) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (lines.stream().filter(l -> l.startsWith(prefix)).count() < n) {
                assertTrue(process.isAlive() || System.nanoTime() < deadline, "no '" + prefix + "' lines: " + err);
                assertTrue(System.nanoTime() < deadline, "timed out waiting for '" + prefix + "': " + err);
                wait(100);
            }
        }

        void signal(String name) throws Exception {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
            assertEquals(0, kill.waitFor());
        }

        int waitForExit() throws InterruptedException {
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "still running after the signal: " + err());
            reader.join(10_000);
            return process.exitValue();
        }

        synchronized String err() {
            return err.toString();
        }
    }
}
