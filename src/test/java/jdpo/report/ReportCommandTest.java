package jdpo.report;

import com.google.gson.JsonObject;
import jdpo.cli.Cli;
import jdpo.io.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code train} writes the report of any Hugging Face GPT-2 run, and {@code jdpo report} rebuilds it. */
class ReportCommandTest {
    static final Path TINY = Path.of("weights/tiny");

    @TempDir
    Path tmp;

    @Test
    void trainWritesAReportAgainstItsReferenceWithTrainingAndHeldOutPairs() throws IOException {
        List<String> pairs = Files.readAllLines(TINY.resolve("pairs.jsonl"));
        Path train = tmp.resolve("train.jsonl"), eval = tmp.resolve("eval.jsonl"), out = tmp.resolve("run");
        Files.write(train, pairs.subList(0, 8), StandardCharsets.UTF_8);
        Files.write(eval, pairs.subList(100, 104), StandardCharsets.UTF_8);
        Cli run = Cli.run("train", "--model", TINY.toString(), "--data", train.toString(), "--eval-data", eval.toString(),
                "--out", out.toString(), "--max-steps", "2", "--batch-size", "4", "--lr", "1e-3", "--threads", "1", "--no-progress");
        assertEquals(0, run.exitCode, run.toString());
        assertTrue(run.err.contains(out.resolve(HtmlReport.FILE).toString()), "train names its report:\n" + run.err);

        JsonObject info = Json.readObject(out.resolve(RunInfo.FILE));
        assertEquals(TINY.toAbsolutePath().normalize().toString(), info.get("reference").getAsString(), "the starting model is the reference");
        assertEquals(out.toAbsolutePath().normalize().toString(), info.get("policy").getAsString());
        String html = Files.readString(out.resolve(HtmlReport.FILE));
        assertTrue(html.contains("<section id=\"run\">") && html.contains("<section id=\"tokens\">"), "run and token sections");
        assertFalse(html.contains("<section id=\"samples\">") || html.contains("<section id=\"sweep\">"), "no data, no section");
        assertTrue(html.contains("training pair 1 of train.jsonl") && html.contains("held-out pair 1 of eval.jsonl"));
        assertTrue(html.contains("ln 2"), "the loss chart marks ln 2");
    }

    @Test
    void reportRebuildsATrainRunFromItsTrainerStateAlone() throws IOException {
        Path train = tmp.resolve("train.jsonl"), out = tmp.resolve("run");
        Files.write(train, Files.readAllLines(TINY.resolve("pairs.jsonl")).subList(0, 4), StandardCharsets.UTF_8);
        Cli run = Cli.run("train", "--model", TINY.toString(), "--data", train.toString(), "--out", out.toString(),
                "--max-steps", "1", "--batch-size", "4", "--threads", "1", "--no-progress");
        assertEquals(0, run.exitCode, run.toString());
        Files.delete(out.resolve(RunInfo.FILE));
        Files.delete(out.resolve(HtmlReport.FILE));
        Cli report = Cli.run("report", out.toString(), "--pairs", "2", "--threads", "1");
        assertEquals(0, report.exitCode, report.toString());
        String html = Files.readString(out.resolve(HtmlReport.FILE));
        assertTrue(html.contains("training pair 2 of train.jsonl") && !html.contains("training pair 3 of"), "--pairs 2");
    }

    @Test
    void aDirectoryThatIsNoRunIsAOneLineError() throws IOException {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        Cli report = Cli.run("report", empty.toString());
        assertEquals(1, report.exitCode);
        assertTrue(report.err.startsWith("error: ") && report.err.strip().lines().count() == 1, report.err);
        assertTrue(report.err.contains("not a jdpo run"), report.err);
        Cli missing = Cli.run("report", tmp.resolve("nowhere").toString());
        assertEquals(1, missing.exitCode);
        assertTrue(missing.err.contains("no such directory"), missing.err);
    }
}
