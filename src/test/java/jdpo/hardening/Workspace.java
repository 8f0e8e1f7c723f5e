package jdpo.hardening;

import jdpo.TestFiles;
import jdpo.cli.Cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A scratch directory holding copies of the DPO fixture models and pairs, which a test may
 * damage, plus the checks every bad-input test makes on what the command printed and left.
 */
final class Workspace {
    final Path root;
    /** A copy of {@code fixtures/dpo/policy}: config.json, model.safetensors, vocab.json, merges.txt. */
    final Path model;
    /** A copy of {@code fixtures/dpo/pairs.jsonl}: three pairs. */
    final Path pairs;
    /** Where {@code train} writes; does not exist until a run creates it. */
    final Path out;

    Workspace(Path root) {
        this.root = root;
        this.model = copyTree(TestFiles.resource("fixtures/dpo/policy"), root.resolve("policy"));
        this.pairs = copy(TestFiles.resource("fixtures/dpo/pairs.jsonl"), root.resolve("pairs.jsonl"));
        this.out = root.resolve("out");
    }

    /** A second copy of a fixture model ({@code "policy"} or {@code "reference"}) under {@code name}. */
    Path copyModel(String fixture, String name) {
        return copyTree(TestFiles.resource("fixtures/dpo/" + fixture), root.resolve(name));
    }

    Path weights() {
        return model.resolve("model.safetensors");
    }

    Path config() {
        return model.resolve("config.json");
    }

    /**
     * {@code train} on the workspace's model and pairs into {@link #out}: by default one step of
     * 2 pairs on 1 thread; {@code extra} flags add to or replace those.
     */
    Cli train(String... extra) {
        return Cli.run(trainArgs(extra));
    }

    String[] trainArgs(String... extra) {
        List<String> given = List.of(extra);
        List<String> args = new ArrayList<>(List.of("train", "--model", model.toString(), "--data", pairs.toString(),
                "--out", out.toString(), "--no-progress"));
        String[][] defaults = {{"--max-steps", "1"}, {"--batch-size", "2"}, {"--threads", "1"}};
        for (String[] d : defaults) {
            if (!given.contains(d[0])) args.addAll(List.of(d));
        }
        args.addAll(given);
        return args.toArray(new String[0]);
    }

    /** The command line that runs {@code jdpo args...} in a new JVM on the test classpath. */
    static List<String> jdpoInNewJvm(String... args) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"), "jdpo.cli.Main"));
        command.addAll(List.of(args));
        return command;
    }

    /** Every path under the root, relative, sorted: to see that a failed run left nothing behind. */
    TreeSet<String> listing() {
        try (Stream<Path> s = Files.walk(root)) {
            TreeSet<String> names = new TreeSet<>();
            s.forEach(p -> names.add(root.relativize(p).toString()));
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The command failed as a user's mistake should: a non-zero exit, nothing on stdout, and on
     * stderr exactly one line, {@code error: ...}, that contains every fragment (file names,
     * line numbers, tensor names) and no stack trace.
     */
    static String assertOneLineError(Cli r, String... fragments) {
        assertNotEquals(0, r.exitCode, r.toString());
        assertEquals("", r.out, r.toString());
        List<String> lines = r.err.lines().toList();
        assertEquals(1, lines.size(), "expected exactly one line on stderr: " + r);
        String line = lines.get(0);
        assertTrue(line.startsWith("error: "), r.toString());
        assertFalse(line.contains("internal error") || line.contains("Exception"), r.toString());
        for (String f : fragments) assertTrue(line.contains(f), "'" + f + "' missing from: " + line);
        // mvn test -Djdpo.showErrors lists every message the bad-input tests provoke.
        if (System.getProperty("jdpo.showErrors") != null) System.out.println("[shown] " + line);
        return line;
    }

    /** {@link #assertOneLineError}, and the workspace holds exactly what it held before the run. */
    String assertRefused(TreeSet<String> before, Cli r, String... fragments) {
        String line = assertOneLineError(r, fragments);
        assertEquals(before, listing(), "a failed run must leave no files behind");
        return line;
    }

    private static Path copy(Path from, Path to) {
        try {
            Files.createDirectories(to.getParent());
            return Files.copy(from, to);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path copyTree(Path from, Path to) {
        try (Stream<Path> s = Files.list(from)) {
            Files.createDirectories(to);
            for (Path f : (Iterable<Path>) s::iterator) Files.copy(f, to.resolve(f.getFileName()));
            return to;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
