package jdpo.hardening;

import jdpo.cli.Cli;
import jdpo.dpo.TrainingCheckpoint;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --out} never destroys what a user had: not the model training starts from, not a file,
 * not a directory of other things; and a path that cannot be created is one line naming it.
 */
class OutputDirectoryTest {
    @TempDir
    Path tmp;
    Workspace ws;

    @BeforeEach
    void setUp() {
        ws = new Workspace(tmp);
    }

    private Cli trainInto(Path out, String... extra) {
        String[] args = ws.trainArgs(extra);
        for (int i = 0; i < args.length - 1; i++) if (args[i].equals("--out")) args[i + 1] = out.toString();
        return Cli.run(args);
    }

    @Test
    void outEqualToTheModelIsRefused() throws IOException {
        byte[] weights = Files.readAllBytes(ws.weights());
        TreeSet<String> before = ws.listing();
        ws.assertRefused(before, trainInto(ws.model), ws.model + ": ");
        ws.assertRefused(before, trainInto(ws.model, "--resume"), ws.model + ": --out is the --model directory");
        ws.assertRefused(before, trainInto(ws.model.resolve("../policy"), "--resume"), "--out is the --model directory");
        assertArrayEquals(weights, Files.readAllBytes(ws.weights()));
    }

    @Test
    void outEqualToTheReferenceModelIsRefused() {
        Path ref = ws.copyModel("reference", "reference");
        TreeSet<String> before = ws.listing();
        ws.assertRefused(before, trainInto(ref, "--ref-model", ref.toString(), "--resume"),
                ref + ": --out is the --ref-model directory");
    }

    @Test
    void outThatIsAFileIsRefused() {
        TreeSet<String> before = ws.listing();
        ws.assertRefused(before, trainInto(ws.pairs), ws.pairs + ": exists and is not a directory");
        ws.assertRefused(before, trainInto(ws.pairs, "--resume"), ws.pairs + ": exists and is not a directory");
    }

    @Test
    void outThatCannotBeCreatedIsOneLine() {
        // Running as root defeats file permissions, so the parent is made unusable by being a file.
        Path out = ws.pairs.resolve("out");
        TreeSet<String> before = ws.listing();
        ws.assertRefused(before, trainInto(out), out + ": cannot create the output directory");
    }

    @Test
    void nonEmptyOutWithoutResumeIsRefused() throws IOException {
        Files.createDirectories(ws.out);
        Files.writeString(ws.out.resolve("notes.txt"), "mine");
        TreeSet<String> before = ws.listing();
        ws.assertRefused(before, ws.train(), ws.out + ": already exists and is not empty; pass --resume");
    }

    @Test
    void resumeIntoADirectoryWithoutACheckpointIsRefused() throws IOException {
        Files.createDirectories(ws.out.resolve("photos"));
        Files.writeString(ws.out.resolve("photos/cat.txt"), "mine");
        Files.writeString(ws.out.resolve("notes.txt"), "mine");
        TreeSet<String> before = ws.listing();
        ws.assertRefused(before, ws.train("--resume"), ws.out + ": holds no checkpoint to resume");
    }

    @Test
    void resumeAfterACrashBeforeTheFirstCheckpointStartsOver() throws IOException {
        // What a run killed before its first save leaves: --out with the metrics of its first steps.
        Files.createDirectories(ws.out);
        Files.writeString(ws.out.resolve("metrics.jsonl"), "{\"step\":1,\"loss\":0.7}\n");
        Cli r = ws.train("--resume", "--max-steps", "2");
        assertEquals(0, r.exitCode, r.toString());
        assertEquals(2, TrainingCheckpoint.load(ws.out).step);
        assertEquals(2, Files.readAllLines(ws.out.resolve("metrics.jsonl")).size());
    }

    @Test
    void filesAndFoldersAUserPutInACheckpointSurviveTheNextSave() throws IOException {
        Cli first = ws.train("--max-steps", "2", "--save-every", "1");
        assertEquals(0, first.exitCode, first.toString());
        Files.createDirectories(ws.out.resolve("eval/samples"));
        Files.writeString(ws.out.resolve("eval/samples/1.txt"), "kept");
        Files.writeString(ws.out.resolve("README.md"), "my notes");
        Cli resumed = ws.train("--max-steps", "3", "--resume");
        assertEquals(0, resumed.exitCode, resumed.toString());
        assertEquals(3, TrainingCheckpoint.load(ws.out).step);
        assertEquals("kept", Files.readString(ws.out.resolve("eval/samples/1.txt")));
        assertEquals("my notes", Files.readString(ws.out.resolve("README.md")));
        assertTrue(resumed.err.contains("warning: resuming with total_steps = 3"), resumed.toString());
    }
    @Test
    void metricsFileThatIsTheDataIsRefused() throws IOException {
        byte[] data = Files.readAllBytes(ws.pairs);
        TreeSet<String> before = ws.listing();
        ws.assertRefused(before, ws.train("--metrics", ws.pairs.toString()), ws.pairs + ": --metrics is the --data file");
        Path notes = Files.writeString(tmp.resolve("notes.jsonl"), "{\"mine\": 1}\n");
        before = ws.listing();
        ws.assertRefused(before, ws.train("--metrics", notes.toString()), notes + ": already exists; a new run writes a new --metrics file");
        Cli first = ws.train("--max-steps", "2", "--stop-after", "1");
        assertEquals(0, first.exitCode, first.toString());
        Cli resumed = ws.train("--max-steps", "2", "--resume", "--metrics", ws.pairs.toString());
        Workspace.assertOneLineError(resumed, ws.pairs + ": --metrics is the --data file");
        assertArrayEquals(data, Files.readAllBytes(ws.pairs));
    }

    @Test
    void metricsFileThatIsADirectoryIsRefused() {
        TreeSet<String> before = ws.listing();
        ws.assertRefused(before, ws.train("--metrics", ws.model.toString()), ws.model + ": --metrics is a directory");
    }

    @Test
    void metricsFileElsewhereIsKeptAcrossAResume() throws IOException {
        Path metrics = tmp.resolve("logs/run.jsonl");
        assertEquals(0, ws.train("--max-steps", "3", "--stop-after", "2", "--metrics", metrics.toString()).exitCode);
        assertEquals(2, Files.readAllLines(metrics).size());
        Cli resumed = ws.train("--max-steps", "3", "--resume", "--metrics", metrics.toString());
        assertEquals(0, resumed.exitCode, resumed.toString());
        assertEquals(3, Files.readAllLines(metrics).size());
    }
}
