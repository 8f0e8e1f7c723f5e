package jdpo.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The output-folder rule on its own: which folders may be written, the lock, and adding a file to a run folder. */
class OutputDirectoryTest {
    @TempDir
    Path tmp;

    @Test
    void aNewFolderIsMarkedAndLockedUntilClosed() {
        Path dir = tmp.resolve("run");
        try (OutputDirectory out = OutputDirectory.claim(dir, "train", false)) {
            out.writeFile("metrics.jsonl", f -> Files.writeString(f, "{\"step\":1}\n"));
            assertEquals("train", OutputDirectory.madeBy(dir));
            assertTrue(Files.exists(dir.resolve(OutputDirectory.LOCK)));
            BadInputException second = assertThrows(BadInputException.class, () -> OutputDirectory.claim(dir, "train", true));
            assertTrue(second.getMessage().contains("another jdpo (process " + ProcessHandle.current().pid() + ") is writing it now"),
                    second.getMessage());
        }
        assertFalse(Files.exists(dir.resolve(OutputDirectory.LOCK)));
        assertTrue(Files.exists(dir.resolve("metrics.jsonl")));
    }

    @Test
    void aClaimThatWroteNothingLeavesNoTrace() {
        Path dir = tmp.resolve("never-used");
        OutputDirectory.claim(dir, "sft", false).close();
        assertFalse(Files.exists(dir));
    }

    @Test
    void foldersOfOtherFilesAndOfOtherCommandsAreRefused() throws IOException {
        Files.writeString(tmp.resolve("notes.txt"), "mine");
        BadInputException foreign = assertThrows(BadInputException.class, () -> OutputDirectory.claim(tmp, "sft", true));
        assertTrue(foreign.getMessage().contains("is not empty and was not made by jdpo"), foreign.getMessage());
        Path run = tmp.resolve("run");
        try (OutputDirectory out = OutputDirectory.claim(run, "train", false)) {
            out.writeFile("a.txt", f -> Files.writeString(f, "a"));
        }
        BadInputException other = assertThrows(BadInputException.class, () -> OutputDirectory.claim(run, "demo", true));
        assertTrue(other.getMessage().contains("holds the output of `jdpo train`"), other.getMessage());
    }

    /** What a report command does: add one file to a run folder jdpo made, and nowhere else. */
    @Test
    void openAddsAFileToARunFolderOnly() throws IOException {
        Path run = tmp.resolve("run");
        try (OutputDirectory out = OutputDirectory.claim(run, "train", false)) {
            out.writeFile("metrics.jsonl", f -> Files.writeString(f, "{\"step\":1}\n"));
        }
        try (OutputDirectory out = OutputDirectory.open(run)) {
            out.writeFile("report.html", f -> Files.writeString(f, "<html></html>"));
        }
        assertEquals("<html></html>", Files.readString(run.resolve("report.html")));
        Path foreign = Files.createDirectories(tmp.resolve("foreign"));
        BadInputException e = assertThrows(BadInputException.class, () -> OutputDirectory.open(foreign));
        assertTrue(e.getMessage().contains("was not made by jdpo"), e.getMessage());
    }

    /** replaceFiles swaps its files in together and leaves everything else in the folder alone. */
    @Test
    void replaceFilesTouchesOnlyItsOwnFiles() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("d"));
        Files.writeString(dir.resolve(".hidden"), "kept");
        Files.writeString(dir.resolve("a.txt"), "old");
        AtomicFiles.replaceFiles(dir, staging -> {
            Files.writeString(staging.resolve("a.txt"), "new");
            Files.writeString(staging.resolve("b.txt"), "new");
        });
        assertEquals("kept", Files.readString(dir.resolve(".hidden")));
        assertEquals("new", Files.readString(dir.resolve("a.txt")));
        assertEquals("new", Files.readString(dir.resolve("b.txt")));
        try (var s = Files.list(dir)) {
            assertEquals(3, s.count(), "no staging folder is left");
        }
    }
}
