package jdpo.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Writes that a crash or a failing writer cannot leave half done.
 *
 * <p>A file is written under a hidden temporary sibling, {@code .<name>.tmp-<id>}, flushed to
 * disk (fsync), and renamed over the target; a rename within one directory is atomic, so readers
 * see the whole old file or the whole new one. A directory (a checkpoint) cannot be swapped by one
 * atomic call, so {@link #replaceDirectory} uses two renames:
 * <ol>
 *   <li>the new directory is written and synced under {@code .<name>.tmp-<id>};</li>
 *   <li>the old directory is renamed to {@code .<name>.old-<id>};</li>
 *   <li>the new directory is renamed to {@code <name>};</li>
 *   <li>the old directory is deleted.</li>
 * </ol>
 * A crash before step 2 leaves the old directory in place; after step 3, the new one. A crash
 * between steps 2 and 3 leaves no {@code <name>}, only the whole old directory under its
 * {@code .old} name: {@link #recover} renames it back, so every loader should call
 * {@code recover(dir)} first (it costs one file-existence check when there is nothing to do).
 * The guarantee therefore reads: after {@code recover}, {@code <name>} is the whole old or the
 * whole new directory, never a mix. Leftover {@code .tmp}/{@code .old} siblings from a crash are
 * deleted by the next {@code replaceDirectory}. One writer per target at a time is assumed.
 *
 * <p>Failures to write are {@link BadInputException}s naming the target (a path the user chose);
 * whatever the writer throws, its temporary file or directory is deleted and the target is left
 * as it was.
 */
public final class AtomicFiles {
    private static final AtomicLong COUNTER = new AtomicLong();

    private AtomicFiles() {}

    /** Runs {@code writer} on a temporary sibling path, then syncs it and renames it to {@code target}. */
    public static void write(Path target, IoConsumer<Path> writer) {
        Path abs = target.toAbsolutePath().normalize();
        Path tmp = sibling(abs, ".tmp-");
        try {
            if (Files.isDirectory(abs)) throw new BadInputException(target + ": is a directory, cannot replace it with a file");
            Files.deleteIfExists(tmp);
            writer.accept(tmp);
            if (!Files.isRegularFile(tmp, LinkOption.NOFOLLOW_LINKS)) {
                throw new IllegalStateException("the writer for " + target + " did not create " + tmp);
            }
            sync(tmp);
            Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE);
            syncDirectory(abs.getParent());
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw FileProblems.writing(target, e);
        } catch (RuntimeException | Error e) {
            deleteQuietly(tmp);
            throw e;
        }
    }

    /**
     * Runs {@code writer} on a new empty temporary directory, syncs everything in it, then swaps
     * it in as {@code target}; the old {@code target} and everything in it is deleted. Missing
     * parent directories are created.
     */
    public static void replaceDirectory(Path target, IoConsumer<Path> writer) {
        Path abs = target.toAbsolutePath().normalize();
        Path parent = abs.getParent();
        recover(abs);
        Path tmp = sibling(abs, ".tmp-");
        try {
            if (Files.exists(abs, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(abs, LinkOption.NOFOLLOW_LINKS)) {
                throw new BadInputException(target + ": exists and is not a directory");
            }
            Files.createDirectories(parent);
            for (Path leftover : leftovers(abs, ".tmp-")) deleteTree(leftover);
            for (Path leftover : leftovers(abs, ".old-")) deleteTree(leftover);
            Files.createDirectory(tmp);
            writer.accept(tmp);
            syncTree(tmp);
        } catch (IOException e) {
            deleteTreeQuietly(tmp);
            throw FileProblems.writing(target, e);
        } catch (RuntimeException | Error e) {
            deleteTreeQuietly(tmp);
            throw e;
        }
        try {
            if (Files.exists(abs, LinkOption.NOFOLLOW_LINKS)) {
                Path old = sibling(abs, ".old-");
                Files.move(abs, old, StandardCopyOption.ATOMIC_MOVE);
                try {
                    Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE);
                } catch (IOException e) {
                    restore(old, abs, e);
                    throw e;
                }
                syncDirectory(parent);
                deleteTree(old);
            } else {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE);
                syncDirectory(parent);
            }
        } catch (IOException e) {
            deleteTreeQuietly(tmp);
            throw FileProblems.writing(target, e);
        }
    }

    /**
     * Replaces some files of an existing directory, all of them or none, leaving every other file
     * in it alone. {@code writer} fills a staging folder inside {@code dir}; once it is synced it is
     * renamed to {@value #COMMIT} (the commit point: one atomic rename), and then each of its files
     * is renamed over its namesake in {@code dir}. A crash before the commit leaves the old files;
     * after it, {@link #recover} finishes the renames. Only the directory itself is renamed into,
     * never replaced, so a symbolic link or a mount point works as {@code dir}. The writer must
     * write plain files only.
     */
    public static void replaceFiles(Path dir, IoConsumer<Path> writer) {
        recover(dir);
        Path staging = dir.resolve(STAGING), commit = dir.resolve(COMMIT);
        try {
            deleteTree(staging);
            Files.createDirectory(staging);
            writer.accept(staging);
            syncTree(staging);
            Files.move(staging, commit, StandardCopyOption.ATOMIC_MOVE);
            syncDirectory(dir);
            finishCommit(dir);
        } catch (IOException e) {
            deleteTreeQuietly(staging);
            throw FileProblems.writing(dir, e);
        } catch (RuntimeException | Error e) {
            deleteTreeQuietly(staging);
            throw e;
        }
    }

    /** The staging folder of {@link #replaceFiles}, and its name once committed. */
    static final String STAGING = ".jdpo-staging", COMMIT = ".jdpo-commit";

    /** Moves every file of a committed {@code dir/.jdpo-commit} into {@code dir}; each move is atomic and may be redone. */
    private static void finishCommit(Path dir) throws IOException {
        Path commit = dir.resolve(COMMIT);
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(commit)) {
            for (Path f : s) files.add(f);
        }
        for (Path f : files) Files.move(f, dir.resolve(f.getFileName().toString()), StandardCopyOption.ATOMIC_MOVE);
        syncDirectory(dir);
        Files.delete(commit);
    }

    /**
     * Finishes what a crash left, so that a loader sees whole files: the renames of a committed
     * {@link #replaceFiles} inside {@code target}, or the swap of {@link #replaceDirectory} (when
     * {@code target} is missing but an {@code .<name>.old-*} sibling exists, the newest is renamed
     * back). Returns whether it did anything. When there is nothing to do this is two existence checks.
     */
    public static boolean recover(Path target) {
        Path abs = target.toAbsolutePath().normalize();
        if (Files.isDirectory(abs.resolve(COMMIT), LinkOption.NOFOLLOW_LINKS)) {
            try {
                finishCommit(abs);
                return true;
            } catch (IOException e) {
                throw new BadInputException(target + ": a save was interrupted and could not be finished: " + FileProblems.reason(e), e);
            }
        }
        if (Files.exists(abs, LinkOption.NOFOLLOW_LINKS)) return false;
        Path parent = abs.getParent();
        if (parent == null || !Files.isDirectory(parent)) return false;
        Path newest = null;
        try {
            FileTime newestTime = null;
            for (Path old : leftovers(abs, ".old-")) {
                FileTime t = Files.getLastModifiedTime(old, LinkOption.NOFOLLOW_LINKS);
                if (newest == null || t.compareTo(newestTime) > 0) {
                    newest = old;
                    newestTime = t;
                }
            }
            if (newest == null) return false;
            Files.move(newest, abs, StandardCopyOption.ATOMIC_MOVE);
            syncDirectory(parent);
            return true;
        } catch (IOException e) {
            throw new BadInputException(target + ": is missing and could not be restored from "
                    + (newest == null ? "its backup" : newest.getFileName()) + ": " + FileProblems.reason(e), e);
        }
    }

    private static void restore(Path old, Path target, IOException cause) {
        try {
            Files.move(old, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException again) {
            cause.addSuppressed(again); // the old directory stays under its .old name; recover() retries
        }
    }

    private static Path sibling(Path abs, String kind) {
        String id = ProcessHandle.current().pid() + "-" + Long.toHexString(System.nanoTime()) + "-" + COUNTER.incrementAndGet();
        return abs.resolveSibling("." + abs.getFileName() + kind + id);
    }

    /** Siblings named {@code .<name><kind>*}. */
    private static List<Path> leftovers(Path abs, String kind) throws IOException {
        String prefix = "." + abs.getFileName() + kind;
        List<Path> found = new ArrayList<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(abs.getParent(),
                p -> p.getFileName().toString().startsWith(prefix))) {
            for (Path p : dir) found.add(p);
        }
        return found;
    }

    private static void sync(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    /** Makes renames in {@code dir} durable; some systems cannot open a directory, so best effort. */
    private static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Not supported here (e.g. Windows); the rename itself was still atomic.
        }
    }

    private static void syncTree(Path root) throws IOException {
        List<Path> all;
        try (Stream<Path> s = Files.walk(root)) {
            all = s.sorted(Comparator.reverseOrder()).collect(Collectors.toList());
        }
        for (Path p : all) {
            if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) sync(p);
            else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) syncDirectory(p);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) return;
        List<Path> all;
        try (Stream<Path> s = Files.walk(root)) {
            all = s.sorted(Comparator.reverseOrder()).collect(Collectors.toList());
        }
        for (Path p : all) Files.deleteIfExists(p);
    }

    private static void deleteTreeQuietly(Path root) {
        try {
            deleteTree(root);
        } catch (IOException | RuntimeException e) {
            // Cleanup after a failure must not hide that failure; the next write removes leftovers.
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // as above
        }
    }
}
