package jdpo.io;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The one rule for the folders jdpo writes ({@code --out}): jdpo never destroys what it did not
 * write.
 *
 * <ul>
 *   <li>A command writes only into a folder that is new, empty, or one jdpo made for the same
 *       command. jdpo recognises its own folders by the marker file {@value #MARKER}, which it
 *       writes first and which names the command ({@code train}, {@code sft}, {@code demo}).</li>
 *   <li>Inside it, jdpo replaces only the files it writes, each swapped in whole
 *       ({@link AtomicFiles}); anything else a user puts there, hidden files included, stays.</li>
 *   <li>While a command writes, the lock file {@value #LOCK} holds its process id; a second
 *       command on the same folder is refused with one line. A lock whose process is gone (a
 *       killed run) is stale and taken over.</li>
 *   <li>The folder is checked at the start, before any work: it can be created, written, and a
 *       file in it renamed (the way every save writes).</li>
 * </ul>
 *
 * <p>Use: {@code try (OutputDirectory out = OutputDirectory.claim(dir, "train", false)) { ... }};
 * a command that adds one file to a run folder jdpo made calls {@link #open} and {@link #writeFile}.
 */
public final class OutputDirectory implements AutoCloseable {
    /** Marks a folder as jdpo's; holds the name of the command that made it. */
    public static final String MARKER = ".jdpo-run";
    /** Holds the process id of the command writing the folder now. */
    public static final String LOCK = ".jdpo-lock";

    /** Folders locked by this process, so that two commands run in one JVM (tests, notebooks) also exclude each other. */
    private static final Set<Path> HELD = new HashSet<>();

    private final Path dir;
    private final Path lock;
    private boolean closed;
    /** What {@link #claim} did to the folder, undone by {@link #close} when nothing else was written into it. */
    private boolean created, marked;

    private OutputDirectory(Path dir, Path lock) {
        this.dir = dir;
        this.lock = lock;
    }

    /**
     * Takes {@code dir} for {@code command}: creates it when missing; accepts it when empty, or
     * when the same command made it and {@code reuse} (a resumed run; a command that rewrites its
     * own files) or it holds nothing yet; refuses it otherwise, with one line. Then locks it and
     * checks that files in it can be written and renamed. A command that fails before writing
     * anything leaves the folder as it found it ({@link #close}).
     */
    public static OutputDirectory claim(Path dir, String command, boolean reuse) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new BadInputException(dir + ": exists and is not a directory; choose a new --out");
        }
        String maker = madeBy(dir);
        if (maker == null && !isEmpty(dir)) {
            throw new BadInputException(dir + ": is not empty and was not made by jdpo; choose a new or empty --out "
                    + "(jdpo never writes into a folder of other files)");
        }
        if (maker != null && !maker.equals(command)) {
            throw new BadInputException(dir + ": holds the output of `jdpo " + maker + "`; choose a new --out for `jdpo " + command + "`");
        }
        if (maker != null && !reuse && !onlyOwnHiddenFiles(dir)) {
            throw new BadInputException(dir + ": already exists and is not empty; pass --resume to continue it, or choose a new --out");
        }
        boolean existed = Files.isDirectory(dir);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new BadInputException(dir + ": cannot create the output directory (" + FileProblems.reason(e) + ")", e);
        }
        OutputDirectory out = new OutputDirectory(dir, lock(dir));
        out.created = !existed;
        out.marked = maker == null;
        try {
            if (maker == null) AtomicFiles.write(dir.resolve(MARKER), tmp -> Files.writeString(tmp, command + "\n"));
            checkRename(dir);
            return out;
        } catch (RuntimeException e) {
            out.close();
            throw e;
        }
    }

    /** Takes a folder an earlier jdpo command made, to add files to it (a report of a run, say). */
    public static OutputDirectory open(Path dir) {
        if (madeBy(dir) == null) throw new BadInputException(dir + ": was not made by jdpo (no " + MARKER + "); jdpo writes only into its own folders");
        return new OutputDirectory(dir, lock(dir));
    }

    /**
     * Marks an existing folder as made by {@code command}, for a folder that is recognisably jdpo's
     * by the files in it but comes from before jdpo marked its folders (a training run's
     * checkpoint). Does nothing when it is already marked.
     */
    public static void adopt(Path dir, String command) {
        if (madeBy(dir) == null) AtomicFiles.write(dir.resolve(MARKER), tmp -> Files.writeString(tmp, command + "\n"));
    }

    /**
     * The rule for a single output file named by a flag ({@code demo --write-corpus FILE}): it must
     * not exist yet, since jdpo cannot tell a file it wrote from one of the user's.
     */
    public static void requireNewFile(Path file, String flag) {
        if (Files.exists(file)) {
            throw new BadInputException(file + ": already exists; " + flag + " writes a new file (jdpo does not overwrite "
                    + "a file it cannot tell is its own; delete it or choose another name)");
        }
    }

    /** The command that made {@code dir} ({@code "train"}, ...), or null when jdpo did not make it. */
    public static String madeBy(Path dir) {
        Path marker = dir.resolve(MARKER);
        if (!Files.isRegularFile(marker)) return null;
        try {
            return Files.readString(marker, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw FileProblems.reading(marker, e);
        }
    }

    public Path path() {
        return dir;
    }

    /** Writes (or replaces) one file of this folder, whole or not at all. */
    public void writeFile(String name, IoConsumer<Path> writer) {
        AtomicFiles.write(dir.resolve(name), writer);
    }

    /** Replaces several files of this folder together, all or none ({@link AtomicFiles#replaceFiles}). */
    public void writeFiles(IoConsumer<Path> writer) {
        AtomicFiles.replaceFiles(dir, writer);
    }

    /**
     * Releases the lock. A folder this command created or marked and then wrote nothing into is
     * put back as it was (removed, or left empty), so a command that failed early leaves no trace.
     */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        try {
            Files.deleteIfExists(lock);
            if (marked && onlyOwnHiddenFiles(dir)) {
                Files.deleteIfExists(dir.resolve(MARKER));
                if (created) Files.deleteIfExists(dir);
            }
        } catch (IOException | BadInputException e) {
            // A lock left behind names a process that is gone; the next command takes it over.
        }
        synchronized (HELD) {
            HELD.remove(lock);
        }
    }

    /** Creates {@code dir/.jdpo-lock} holding this process's id, taking over a stale one. */
    private static Path lock(Path dir) {
        Path lock = dir.resolve(LOCK).toAbsolutePath().normalize();
        long me = ProcessHandle.current().pid();
        for (int attempt = 0; attempt < 2; attempt++) {
            synchronized (HELD) {
                if (HELD.contains(lock)) throw inUse(dir, me);
                try {
                    Files.writeString(lock, me + "\n", StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                    HELD.add(lock);
                    return lock;
                } catch (FileAlreadyExistsException e) {
                    long owner = owner(lock);
                    if (owner != me && owner > 0 && ProcessHandle.of(owner).map(ProcessHandle::isAlive).orElse(false)) {
                        throw inUse(dir, owner);
                    }
                    try {
                        Files.deleteIfExists(lock); // stale: its process is gone (or it is ours, from a run that did not finish)
                    } catch (IOException again) {
                        throw FileProblems.writing(lock, again);
                    }
                } catch (IOException e) {
                    throw new BadInputException(dir + ": cannot write into the output directory (" + FileProblems.reason(e) + ")", e);
                }
            }
        }
        throw inUse(dir, owner(lock));
    }

    private static BadInputException inUse(Path dir, long pid) {
        return new BadInputException(dir + ": another jdpo (process " + pid + ") is writing it now (lock " + dir.resolve(LOCK)
                + "); wait for it to finish or choose another --out");
    }

    private static long owner(Path lock) {
        try {
            return Long.parseLong(Files.readString(lock, StandardCharsets.UTF_8).strip());
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    /** Every save renames a finished file over its target; a folder where that fails is found now, not after training. */
    private static void checkRename(Path dir) {
        Path a = dir.resolve(".jdpo-check-" + ProcessHandle.current().pid()), b = dir.resolve(".jdpo-check-renamed");
        try {
            Files.writeString(a, "");
            Files.move(a, b, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            Files.delete(b);
        } catch (IOException | UnsupportedOperationException e) {
            try {
                Files.deleteIfExists(a);
                Files.deleteIfExists(b);
            } catch (IOException ignored) {
                // nothing more to do; the error below is what matters
            }
            throw new BadInputException(dir + ": cannot write and rename files in the output directory ("
                    + (e instanceof IOException io ? FileProblems.reason(io) : "atomic rename not supported") + ")", e);
        }
    }

    private static boolean isEmpty(Path dir) {
        if (!Files.isDirectory(dir)) return true;
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        } catch (IOException e) {
            throw FileProblems.reading(dir, e);
        }
    }

    /** Holds nothing but jdpo's marker and lock: a run stopped before it wrote anything. */
    private static boolean onlyOwnHiddenFiles(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).allMatch(n -> n.equals(MARKER) || n.equals(LOCK));
        } catch (IOException e) {
            throw FileProblems.reading(dir, e);
        }
    }
}
