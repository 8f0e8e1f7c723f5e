package jdpo.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AtomicFilesTest {
    @TempDir
    Path dir;

    private List<String> names() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void writeCreatesAndReplacesAFile() throws IOException {
        Path f = dir.resolve("a.txt");
        AtomicFiles.write(f, tmp -> Files.writeString(tmp, "one"));
        AtomicFiles.write(f, tmp -> Files.writeString(tmp, "two"));
        assertEquals("two", Files.readString(f));
        assertEquals(List.of("a.txt"), names());
    }

    @Test
    void aWriterThatThrowsLeavesTheOldFileAndNoTemporary() throws IOException {
        Path f = dir.resolve("a.txt");
        Files.writeString(f, "old");
        RuntimeException boom = new RuntimeException("boom");
        RuntimeException e = assertThrows(RuntimeException.class, () -> AtomicFiles.write(f, tmp -> {
            Files.writeString(tmp, "half");
            throw boom;
        }));
        assertSame(boom, e);
        BadInputException io = assertThrows(BadInputException.class, () -> AtomicFiles.write(f, tmp -> {
            Files.writeString(tmp, "half");
            throw new IOException("disk full");
        }));
        assertTrue(io.getMessage().startsWith(f + ": cannot write: "), io.getMessage());
        assertTrue(io.getMessage().contains("disk full"), io.getMessage());
        assertEquals("old", Files.readString(f));
        assertEquals(List.of("a.txt"), names());
    }

    @Test
    void writingIntoAMissingDirectoryIsOneClearError() {
        Path f = dir.resolve("no/such/dir/a.txt");
        BadInputException e = assertThrows(BadInputException.class, () -> AtomicFiles.write(f, tmp -> Files.writeString(tmp, "x")));
        assertTrue(e.getMessage().startsWith(f + ": cannot write: no such file or directory"), e.getMessage());
    }

    @Test
    void replaceDirectorySwapsTheWholeDirectory() throws IOException {
        Path out = dir.resolve("ckpt");
        AtomicFiles.replaceDirectory(out, tmp -> {
            Files.writeString(tmp.resolve("weights"), "v1");
            Files.writeString(tmp.resolve("only-in-v1"), "x");
        });
        AtomicFiles.replaceDirectory(out, tmp -> {
            Files.createDirectory(tmp.resolve("sub"));
            Files.writeString(tmp.resolve("sub/weights"), "v2");
        });
        assertEquals("v2", Files.readString(out.resolve("sub/weights")));
        assertFalse(Files.exists(out.resolve("only-in-v1")), "nothing of the old directory is mixed in");
        assertEquals(List.of("ckpt"), names());
    }

    @Test
    void replaceDirectoryCreatesMissingParents() throws IOException {
        Path out = dir.resolve("runs/exp1");
        AtomicFiles.replaceDirectory(out, tmp -> Files.writeString(tmp.resolve("weights"), "w"));
        assertEquals("w", Files.readString(out.resolve("weights")));
    }

    @Test
    void aDirectoryWriterThatThrowsLeavesTheOldDirectoryIntact() throws IOException {
        Path out = dir.resolve("ckpt");
        AtomicFiles.replaceDirectory(out, tmp -> Files.writeString(tmp.resolve("weights"), "old"));
        assertThrows(IllegalStateException.class, () -> AtomicFiles.replaceDirectory(out, tmp -> {
            Files.writeString(tmp.resolve("weights"), "half");
            throw new IllegalStateException("killed mid-save");
        }));
        assertEquals("old", Files.readString(out.resolve("weights")));
        assertEquals(List.of("ckpt"), names());
    }

    @Test
    void recoverRestoresTheOldDirectoryAfterACrashBetweenTheTwoRenames() throws IOException {
        // The state a crash between "target -> .old" and ".tmp -> target" leaves behind.
        Path old = Files.createDirectory(dir.resolve(".ckpt.old-123-abc-1"));
        Files.writeString(old.resolve("weights"), "old");
        Path tmp = Files.createDirectory(dir.resolve(".ckpt.tmp-123-abc-2"));
        Files.writeString(tmp.resolve("weights"), "new, maybe partial");
        Path out = dir.resolve("ckpt");

        assertTrue(AtomicFiles.recover(out));
        assertEquals("old", Files.readString(out.resolve("weights")));
        assertFalse(AtomicFiles.recover(out), "nothing left to do");

        // The next save clears the leftovers.
        AtomicFiles.replaceDirectory(out, t -> Files.writeString(t.resolve("weights"), "new"));
        assertEquals("new", Files.readString(out.resolve("weights")));
        assertEquals(List.of("ckpt"), names());
    }

    @Test
    void recoverWithNothingToRecoverDoesNothing() throws IOException {
        assertFalse(AtomicFiles.recover(dir.resolve("never-written")));
        assertFalse(AtomicFiles.recover(dir.resolve("missing-parent/ckpt")));
        assertEquals(List.of(), names());
    }

    @Test
    void replaceDirectoryRefusesToReplaceAFile() throws IOException {
        Path f = dir.resolve("x");
        Files.writeString(f, "keep");
        BadInputException e = assertThrows(BadInputException.class,
                () -> AtomicFiles.replaceDirectory(f, tmp -> Files.writeString(tmp.resolve("a"), "b")));
        assertTrue(e.getMessage().contains("not a directory"), e.getMessage());
        assertEquals("keep", Files.readString(f));
        assertEquals(List.of("x"), names());
    }
}
