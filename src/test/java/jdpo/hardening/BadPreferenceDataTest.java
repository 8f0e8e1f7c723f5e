package jdpo.hardening;

import jdpo.cli.Cli;
import jdpo.gpt2.Gpt2Checkpoint;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A broken preference file ends {@code train} with one line naming the file and line; an
 * over-long prompt is cut (keeping its end) with a warning, not an error.
 */
class BadPreferenceDataTest {
    @TempDir
    Path tmp;
    Workspace ws;

    private static final String GOOD = "{\"prompt\": \"Q:\", \"chosen\": \" yes\", \"rejected\": \" no\"}\n";

    @BeforeEach
    void setUp() {
        ws = new Workspace(tmp);
    }

    /** Line 1 is good, line 2 is {@code bad}, line 3 is good again. */
    private void secondLine(String bad) throws IOException {
        Files.writeString(ws.pairs, GOOD + bad + "\n" + GOOD);
    }

    private void refused(String... fragments) {
        TreeSet<String> before = ws.listing();
        ws.assertRefused(before, ws.train(), fragments);
    }

    @Test
    void malformedLine() throws IOException {
        secondLine("{\"prompt\": \"Q:\", \"chosen\": \" yes\"");
        refused(ws.pairs + ":2: malformed JSON");
    }

    @Test
    void lineThatIsNotAnObject() throws IOException {
        secondLine("[\"Q:\", \" yes\", \" no\"]");
        refused(ws.pairs + ":2: expected a JSON object, found an array");
    }

    @Test
    void missingField() throws IOException {
        secondLine("{\"prompt\": \"Q:\", \"chosen\": \" yes\"}");
        refused(ws.pairs + ":2: missing field \"rejected\"");
    }

    @Test
    void fieldThatIsNotAString() throws IOException {
        secondLine("{\"prompt\": \"Q:\", \"chosen\": 5, \"rejected\": \" no\"}");
        refused(ws.pairs + ":2: field \"chosen\" must be a string");
    }

    @Test
    void conversationalFormat() throws IOException {
        secondLine("{\"prompt\": [{\"role\": \"user\", \"content\": \"Q:\"}], \"chosen\": \" yes\", \"rejected\": \" no\"}");
        refused(ws.pairs + ":2: field \"prompt\" must be a string (conversational format");
    }

    @Test
    void emptyChosen() throws IOException {
        secondLine("{\"prompt\": \"Q:\", \"chosen\": \"\", \"rejected\": \" no\"}");
        refused(ws.pairs + ":2: \"chosen\" is empty");
    }

    @Test
    void emptyRejected() throws IOException {
        secondLine("{\"prompt\": \"Q:\", \"chosen\": \" yes\", \"rejected\": \"\"}");
        refused(ws.pairs + ":2: \"rejected\" is empty");
    }

    @Test
    void invalidUtf8() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.writeBytes(GOOD.getBytes(StandardCharsets.UTF_8));
        bytes.writeBytes("{\"prompt\": \"caf".getBytes(StandardCharsets.UTF_8));
        bytes.write(0xC3); // a lead byte followed by '"', not by a continuation byte
        bytes.writeBytes("\", \"chosen\": \" yes\", \"rejected\": \" no\"}\n".getBytes(StandardCharsets.UTF_8));
        Files.write(ws.pairs, bytes.toByteArray());
        refused(ws.pairs + ":2: not valid UTF-8");
    }

    @Test
    void emptyFile() throws IOException {
        Files.writeString(ws.pairs, "\n\n");
        refused(ws.pairs + ": no preference pairs");
    }

    @Test
    void missingFile() throws IOException {
        Files.delete(ws.pairs);
        refused(ws.pairs + ": no such file");
    }

    @Test
    void directoryInsteadOfAFile() {
        TreeSet<String> before = ws.listing();
        Cli r = Cli.run("train", "--model", ws.model.toString(), "--data", ws.model.toString(), "--out", ws.out.toString());
        ws.assertRefused(before, r, ws.model + ": is a directory, expected a .jsonl file");
    }

    @Test
    void badEvalDataIsNamedToo() throws IOException {
        Path eval = tmp.resolve("eval.jsonl");
        Files.writeString(eval, GOOD + "{\"prompt\": \"Q:\"}\n");
        TreeSet<String> before = ws.listing();
        ws.assertRefused(before, ws.train("--eval-data", eval.toString()), eval + ":2: missing field \"chosen\"");
    }

    @Test
    void emptyPromptIsAllowed() throws IOException {
        Files.writeString(ws.pairs, "{\"prompt\": \"\", \"chosen\": \" yes\", \"rejected\": \" no\"}\n");
        Cli r = ws.train();
        assertEquals(0, r.exitCode, r.toString());
    }

    @Test
    void promptLongerThanTheContextIsTruncatedWithAWarning() throws IOException {
        // The fixture model has 64 positions and one token per byte: a 500-byte prompt cannot fit.
        // Joint tokenization (TRL 1.x) drops such a pair; separate (TRL before 1.0) keeps the prompt's end.
        String longPrompt = "word ".repeat(100);
        Files.writeString(ws.pairs, GOOD + "{\"prompt\": \"" + longPrompt + "\", \"chosen\": \" yes\", \"rejected\": \" no\"}\n");
        Cli dropped = Cli.run("score", "--model", ws.model.toString(), "--data", ws.pairs.toString(), "--threads", "1");
        assertEquals(0, dropped.exitCode, dropped.toString());
        assertTrue(dropped.err.contains("warning: " + ws.pairs + ": 1 of 2 pairs dropped"), dropped.toString());
        Cli r = ws.train("--max-prompt-length", "0", "--tokenization", "separate");
        assertEquals(0, r.exitCode, r.toString());
        List<String> warnings = r.err.lines().filter(l -> l.startsWith("warning: ")).toList();
        assertEquals(1, warnings.size(), r.toString());
        assertTrue(warnings.get(0).startsWith("warning: " + ws.pairs + ": 1 of 2 pairs truncated"), r.toString());
        assertTrue(r.err.lines().noneMatch(l -> l.startsWith("error")), r.toString());
        Gpt2Checkpoint.load(ws.out); // the run finished and saved

        Cli score = Cli.run("score", "--model", ws.model.toString(), "--data", ws.pairs.toString(), "--threads", "1",
                "--tokenization", "separate");
        assertEquals(0, score.exitCode, score.toString());
        assertTrue(score.err.contains("warning: " + ws.pairs + ": 1 of 2 pairs truncated"), score.toString());
    }
}
