package jdpo.hardening;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A full Java heap ends like any other failure: one line that says what happened and what to
 * do, exit code 1, no stack trace. Run in a separate JVM with a 96 MB heap: scoring all 949
 * pairs of weights/tiny in one batch needs ~0.5 GB of logits.
 */
class OutOfMemoryTest {

    @Test
    void aFullHeapIsOneLineThatSaysHowToGiveMore() throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx96m", "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"),
                "jdpo.cli.Main", "score", "--model", "weights/tiny", "--data", "weights/tiny/pairs.jsonl",
                "--batch-size", "1000", "--threads", "1"));
        Process p = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "score finished");
        assertEquals(1, p.exitValue(), err);
        List<String> lines = new ArrayList<>();
        for (String line : err.split("\n")) {
            if (!line.isBlank() && !line.startsWith("WARNING: Using incubator modules")) lines.add(line);
        }
        assertEquals(1, lines.size(), err);
        assertTrue(lines.get(0).startsWith("error: out of memory: the Java heap (at most "), err);
        assertTrue(lines.get(0).contains("JDPO_JAVA_OPTS=-Xmx"), err);
    }
}
