package jdpo.hardening;

import jdpo.cli.Cli;
import jdpo.dpo.TrainingCheckpoint;
import jdpo.io.OutputDirectory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --out} never destroys what a user had: not the model training starts from, not a file,
 * not a directory of other things; and a path that cannot be created is one line naming it.
 * The same rule holds for every command that writes a folder ({@code train}, {@code sft},
 * {@code demo}); inside a folder jdpo made, only jdpo's own files are replaced.
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
        ws.assertRefused(before, ws.train(), ws.out + ": is not empty and was not made by jdpo");
    }

    @Test
    void nonEmptyRunFolderWithoutResumeIsRefused() throws IOException {
        assertEquals(0, ws.train().exitCode);
        TreeSet<String> before = ws.listing();
        ws.assertRefused(before, ws.train(), ws.out + ": already exists and is not empty; pass --resume");
    }

    @Test
    void resumeIntoADirectoryWithoutACheckpointIsRefused() throws IOException {
        Files.createDirectories(ws.out.resolve("photos"));
        Files.writeString(ws.out.resolve("photos/cat.txt"), "mine");
        Files.writeString(ws.out.resolve("notes.txt"), "mine");
        TreeSet<String> before = ws.listing();
        ws.assertRefused(before, ws.train("--resume"), ws.out + ": is not empty and was not made by jdpo");
    }

    @Test
    void resumeAfterACrashBeforeTheFirstCheckpointStartsOver() throws IOException {
        // What a run killed before its first save leaves: --out with jdpo's marker and the metrics of its first steps.
        Files.createDirectories(ws.out);
        Files.writeString(ws.out.resolve(OutputDirectory.MARKER), "train\n");
        Files.writeString(ws.out.resolve("metrics.jsonl"), "{\"step\":1,\"loss\":0.7}\n");
        Cli r = ws.train("--resume", "--max-steps", "2");
        assertEquals(0, r.exitCode, r.toString());
        assertTrue(r.err.contains("note: " + ws.out + " holds no checkpoint yet; --resume starts the run at step 1"), r.toString());
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

    @Test
    void resumeKeepsHiddenFilesAndFolders() throws IOException {
        assertEquals(0, ws.train("--max-steps", "2", "--stop-after", "1").exitCode);
        Files.createDirectories(ws.out.resolve(".git/objects"));
        Files.writeString(ws.out.resolve(".git/HEAD"), "ref: refs/heads/main\n");
        Files.writeString(ws.out.resolve(".gitattributes"), "*.safetensors filter=lfs\n");
        Cli resumed = ws.train("--max-steps", "2", "--resume");
        assertEquals(0, resumed.exitCode, resumed.toString());
        assertEquals(2, TrainingCheckpoint.load(ws.out).step);
        assertEquals("ref: refs/heads/main\n", Files.readString(ws.out.resolve(".git/HEAD")));
        assertTrue(Files.isDirectory(ws.out.resolve(".git/objects")));
        assertEquals("*.safetensors filter=lfs\n", Files.readString(ws.out.resolve(".gitattributes")));
    }

    @Test
    void resumeRefusesAMetricsFileJdpoDidNotWrite() throws IOException {
        Path metrics = tmp.resolve("run.jsonl");
        assertEquals(0, ws.train("--max-steps", "2", "--stop-after", "1", "--metrics", metrics.toString()).exitCode);
        Files.copy(ws.model.resolve("vocab.json"), metrics, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        byte[] vocab = Files.readAllBytes(metrics);
        TreeSet<String> before = ws.listing();
        ws.assertRefused(before, ws.train("--max-steps", "2", "--resume", "--metrics", metrics.toString()),
                metrics + ":1: not a metrics line jdpo wrote");
        assertArrayEquals(vocab, Files.readAllBytes(metrics));
    }

    @Test
    void aSecondRunOnALockedFolderIsOneLineAndAStaleLockIsTakenOver() throws Exception {
        assertEquals(0, ws.train("--max-steps", "2", "--stop-after", "1").exitCode);
        Process holder = new ProcessBuilder("sleep", "60").start(); // stands in for a jdpo still writing --out
        try {
            Files.writeString(ws.out.resolve(OutputDirectory.LOCK), holder.pid() + "\n");
            TreeSet<String> before = ws.listing();
            ws.assertRefused(before, ws.train("--max-steps", "2", "--resume"),
                    ws.out + ": another jdpo (process " + holder.pid() + ") is writing it now");
        } finally {
            holder.destroyForcibly().waitFor();
        }
        Cli resumed = ws.train("--max-steps", "2", "--resume"); // the lock's process is gone: stale
        assertEquals(0, resumed.exitCode, resumed.toString());
        assertEquals(2, TrainingCheckpoint.load(ws.out).step);
        assertFalse(Files.exists(ws.out.resolve(OutputDirectory.LOCK)), "the lock is released at the end");
    }

    @Test
    void outThatIsASymbolicLinkToAFolderIsWrittenThrough() throws IOException {
        Path real = Files.createDirectories(tmp.resolve("real"));
        Path link = Files.createSymbolicLink(tmp.resolve("link"), real);
        Cli r = trainInto(link, "--max-steps", "2", "--stop-after", "1");
        assertEquals(0, r.exitCode, r.toString());
        Cli resumed = trainInto(link, "--max-steps", "2", "--resume");
        assertEquals(0, resumed.exitCode, resumed.toString());
        assertTrue(Files.isSymbolicLink(link));
        assertEquals(2, TrainingCheckpoint.load(real).step);
    }

    @Test
    void sftRefusesAFolderOfOtherFiles() throws IOException {
        Path corpus = Files.writeString(tmp.resolve("corpus.txt"), "a review\nanother review\n");
        TreeSet<String> before = ws.listing();
        for (Path out : new Path[] {tmp, ws.model}) {
            ws.assertRefused(before, Cli.run("sft", "--model", ws.model.toString(), "--data", corpus.toString(), "--out", out.toString(),
                    "--steps", "1", "--batch-size", "1", "--threads", "1"), out + ": is not empty and was not made by jdpo");
        }
    }

    @Test
    void sftWritesANewFolderAndRewritesOnlyItsOwnFiles() throws IOException {
        Path corpus = Files.writeString(tmp.resolve("corpus.txt"), "a review\nanother review\n");
        Path out = tmp.resolve("sft");
        String[] args = {"sft", "--model", ws.model.toString(), "--data", corpus.toString(), "--out", out.toString(),
            "--steps", "1", "--batch-size", "1", "--threads", "1"};
        assertEquals(0, Cli.run(args).exitCode);
        Files.writeString(out.resolve("NOTES.md"), "mine");
        Cli again = Cli.run(args);
        assertEquals(0, again.exitCode, again.toString());
        assertEquals("mine", Files.readString(out.resolve("NOTES.md")));
        assertTrue(Files.isRegularFile(out.resolve("model.safetensors")));
    }

    @Test
    void demoRefusesATrainRunsFolder() throws IOException {
        assertEquals(0, ws.train().exitCode);
        TreeSet<String> before = ws.listing();
        ws.assertRefused(before, Cli.run("demo", "--out", ws.out.toString(), "--steps", "1", "--eval-prompts", "1", "--threads", "1"),
                ws.out + ": holds the output of `jdpo train`");
        ws.assertRefused(before, Cli.run("demo", "--out", ws.model.toString(), "--beta-sweep", "0.1", "--steps", "1", "--threads", "1"),
                ws.model + ": is not empty and was not made by jdpo");
    }

    /** A run folder written before jdpo marked its folders is recognised by its checkpoint and resumed. */
    @Test
    void aRunFolderFromBeforeMarkersIsResumed() throws IOException {
        assertEquals(0, ws.train("--max-steps", "2", "--stop-after", "1").exitCode);
        Files.delete(ws.out.resolve(OutputDirectory.MARKER));
        Cli resumed = ws.train("--max-steps", "2", "--resume");
        assertEquals(0, resumed.exitCode, resumed.toString());
        assertEquals(2, TrainingCheckpoint.load(ws.out).step);
    }

    /** A single output file named by a flag must be new: jdpo cannot tell a file it wrote from the user's. */
    @Test
    void demoDoesNotOverwriteAFileWithItsCorpusOrPairs() throws IOException {
        Path notes = Files.writeString(tmp.resolve("notes.txt"), "mine");
        TreeSet<String> before = ws.listing();
        ws.assertRefused(before, Cli.run("demo", "--write-corpus", notes.toString(), "--corpus-size", "3"),
                notes + ": already exists; --write-corpus writes a new file");
        ws.assertRefused(before, Cli.run("demo", "--model", ws.model.toString(), "--make-pairs", notes.toString(), "--pair-prompts", "1"),
                notes + ": already exists; --make-pairs writes a new file");
        assertEquals("mine", Files.readString(notes));
    }
}
