package jdpo.notebooks;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import jdk.jshell.DeclarationSnippet;
import jdk.jshell.EvalException;
import jdk.jshell.ExpressionSnippet;
import jdk.jshell.JShell;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;
import jdk.jshell.UnresolvedReferenceException;
import jdk.jshell.VarSnippet;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Runs a notebook's code cells top to bottom in one JShell, the way Jupyter's Java kernel (JJava)
 * does: each cell is cut into snippets by JShell's own source analysis and evaluated in order;
 * what a cell prints becomes its stream output, and a cell that ends with an expression gets that
 * value as its result (an image becomes a PNG).
 *
 * <p>A rejected snippet, a compile error, an unresolved reference or an exception (a notebook's
 * own checks throw {@link AssertionError}) stops the run with an {@link AssertionError} naming
 * the notebook, the cell and the snippet.
 *
 * <p>The JShell executes in this JVM (JShell's "local" engine): a separate VM answers each
 * snippet about five times slower. The JVM must therefore have {@code jdk.incubator.vector}
 * (Maven's surefire configuration adds it).
 *
 * <p>Classes come to the notebook as they come in Jupyter: a cell holding only
 * {@code %classpath DIR} (relative to the notebook's folder, where Jupyter starts the kernel)
 * adds that directory to JShell's class path, and nothing else does, so a notebook that forgot
 * the cell, or a directory that lacks a class, fails here as it would in Jupyter. A magic must be
 * alone in its cell: the rapaio kernel rejects a cell that mixes a magic with code.
 */
final class NotebookRunner {
    private NotebookRunner() {}

    /** The one magic a notebook may use: {@code %classpath DIR}, alone in its cell. */
    private static final String CLASSPATH = "%classpath";
    /** With -Djdpo.notebooks.times=true, each snippet's time goes to the console. */
    private static final PrintStream TIMES = Boolean.getBoolean("jdpo.notebooks.times") ? System.err : null;
    /** Object.toString's "class@hash", which differs from run to run. */
    private static final Pattern IDENTITY = Pattern.compile("[\\w.$]+@[0-9a-f]+");

    /** Runs every code cell of {@code nb}; returns each code cell's outputs as nbformat JSON. */
    static List<JsonArray> run(Notebook nb) {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            throw new AssertionError("run the notebooks in a JVM started with --add-modules jdk.incubator.vector");
        }
        System.setProperty("java.awt.headless", "true");
        PrintStream realOut = System.out, realErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        List<JsonArray> results = new ArrayList<>();
        try (JShell shell = shellWithoutOurClassPath()) {
            // The runner's own helper, which each cell's result goes through; the notebook's classes come from its %classpath cell.
            shell.addToClasspath(location(ImageOutput.class));
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            List<JsonObject> cells = nb.codeCells();
            for (int i = 0; i < cells.size(); i++) {
                Cell cell = new Cell(nb, i + 1, shell, out, err);
                String source = Notebook.source(cells.get(i));
                String dir = classpathMagic(source, nb, i + 1);
                if (dir != null) {
                    shell.addToClasspath(classpathDirectory(dir, nb, i + 1));
                } else {
                    cell.run(source);
                }
                results.add(cell.outputs);
            }
        } finally {
            System.setOut(realOut);
            System.setErr(realErr);
        }
        return results;
    }

    /**
     * A JShell whose compiler starts from an empty class path. JShell seeds it from
     * {@code java.class.path}, which here is the whole test class path; only while the shell is
     * built is that property emptied, so that notebook code compiles against what its
     * {@code %classpath} cell adds and nothing else.
     */
    private static JShell shellWithoutOurClassPath() {
        String classPath = System.getProperty("java.class.path");
        System.setProperty("java.class.path", "");
        try {
            return JShell.builder().executionEngine("local").compilerOptions("--add-modules", "jdk.incubator.vector").build();
        } finally {
            System.setProperty("java.class.path", classPath);
        }
    }

    /**
     * The directory of a {@code %classpath DIR} cell, or {@code null} for a cell of code; fails on a
     * magic mixed with code (rapaio rejects it) and on any other magic.
     */
    private static String classpathMagic(String source, Notebook nb, int cellNo) {
        List<String> code = new ArrayList<>();
        String dir = null;
        for (String line : source.split("\n", -1)) {
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("//")) continue;
            if (t.startsWith("%")) {
                String[] words = t.split("\\s+");
                if (!words[0].equals(CLASSPATH) || words.length != 2) {
                    throw new AssertionError(where(nb, cellNo) + ": the runner knows only `" + CLASSPATH + " DIR`, not " + t);
                }
                dir = words[1];
            } else {
                code.add(t);
            }
        }
        if (dir != null && !code.isEmpty()) {
            throw new AssertionError(where(nb, cellNo) + ": put `" + CLASSPATH + " " + dir + "` alone in its own cell "
                    + "(the rapaio kernel rejects a magic mixed with code)");
        }
        return dir;
    }

    /** {@code dir} as the kernel resolves it: from the notebook's folder; it must be a directory. */
    private static String classpathDirectory(String dir, Notebook nb, int cellNo) {
        Path p = nb.file.toAbsolutePath().getParent().resolve(dir).normalize();
        if (!Files.isDirectory(p)) {
            throw new AssertionError(where(nb, cellNo) + ": " + CLASSPATH + " " + dir + ": " + p + " is not a directory "
                    + "(build it with `mvn -DskipTests package`, or any `mvn` run that compiles)");
        }
        return p.toString();
    }

    private static String location(Class<?> c) {
        try {
            return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static String where(Notebook nb, int cellNo) {
        return nb.file.getFileName() + ", code cell " + cellNo;
    }

    /** One code cell's run: its snippets in order, its outputs as they appear. */
    private static final class Cell {
        final Notebook nb;
        final int number;
        final JShell shell;
        final ByteArrayOutputStream out, err;
        final JsonArray outputs = new JsonArray();

        Cell(Notebook nb, int number, JShell shell, ByteArrayOutputStream out, ByteArrayOutputStream err) {
            this.nb = nb;
            this.number = number;
            this.shell = shell;
            this.out = out;
            this.err = err;
        }

        void run(String source) {
            SourceCodeAnalysis analysis = shell.sourceCodeAnalysis();
            String remaining = source;
            SnippetEvent last = null;
            while (!remaining.isBlank()) {
                SourceCodeAnalysis.CompletionInfo info = analysis.analyzeCompletion(remaining);
                if (info.completeness() == SourceCodeAnalysis.Completeness.EMPTY) break;
                boolean complete = info.completeness().isComplete();
                // An unfinished tail is evaluated as it is, so that JShell reports what is wrong.
                String snippet = complete ? info.source() : remaining;
                last = eval(snippet);
                remaining = complete ? info.remaining() : "";
            }
            if (last != null) result(last);
        }

        /** Evaluates one snippet, collecting its printed output; fails on any problem. */
        private SnippetEvent eval(String code) {
            long t0 = System.nanoTime();
            List<SnippetEvent> events = shell.eval(code);
            if (TIMES != null) TIMES.printf("  cell %d %6.0f ms  %s%n", number, (System.nanoTime() - t0) / 1e6, firstLine(code));
            collectStreams();
            SnippetEvent primary = null;
            for (SnippetEvent e : events) {
                if (e.causeSnippet() != null) continue; // a dependent snippet's update, not this code
                primary = e;
                check(e, code);
            }
            if (primary == null) throw new AssertionError(where(nb, number) + ": JShell did not evaluate " + firstLine(code));
            return primary;
        }

        private void check(SnippetEvent e, String code) {
            String at = where(nb, number) + ", snippet `" + firstLine(code) + "`";
            List<String> errors = shell.diagnostics(e.snippet())
                    .filter(d -> d.isError())
                    .map(d -> d.getMessage(Locale.ROOT))
                    .collect(Collectors.toList());
            if (e.status() == Snippet.Status.REJECTED || !errors.isEmpty()) {
                throw new AssertionError(at + " does not compile: " + String.join("; ", errors) + printed());
            }
            if (e.status() != Snippet.Status.VALID && e.snippet() instanceof DeclarationSnippet) {
                throw new AssertionError(at + " refers to undefined "
                        + shell.unresolvedDependencies((DeclarationSnippet) e.snippet()).collect(Collectors.toList()) + printed());
            }
            Throwable thrown = e.exception();
            if (thrown instanceof EvalException) {
                EvalException ee = (EvalException) thrown;
                AssertionError failure = new AssertionError(at + " threw " + ee.getExceptionClassName()
                        + (ee.getMessage() == null ? "" : ": " + ee.getMessage()) + printed());
                failure.setStackTrace(ee.getStackTrace());
                throw failure;
            }
            if (thrown instanceof UnresolvedReferenceException) {
                throw new AssertionError(at + " uses " + ((UnresolvedReferenceException) thrown).getSnippet().source().strip()
                        + ", which refers to something undefined" + printed());
            }
            if (thrown != null) throw new AssertionError(at + " failed: " + thrown, thrown);
        }

        /** The cell's final expression as its result: an image as PNG, anything else as text. */
        private void result(SnippetEvent e) {
            Snippet s = e.snippet();
            String name = null;
            if (s instanceof ExpressionSnippet) name = ((ExpressionSnippet) s).name();
            if (s instanceof VarSnippet && s.subKind() == Snippet.SubKind.TEMP_VAR_EXPRESSION_SUBKIND) name = ((VarSnippet) s).name();
            if (name == null || e.value() == null) return;
            JsonObject data = new JsonObject();
            List<SnippetEvent> probe = shell.eval(ImageOutput.class.getName() + ".capture(" + name + ")");
            String[] image = ImageOutput.take();
            if (probe.isEmpty() || probe.get(0).exception() != null) {
                throw new AssertionError(where(nb, number) + ": could not look at the result " + name);
            }
            if (image != null) {
                data.addProperty("image/png", image[0]);
                data.add("text/plain", Notebook.lines("<image " + image[1] + ">"));
            } else {
                if (IDENTITY.matcher(e.value()).matches()) {
                    // e.g. a trailing printf, which returns its PrintStream: Jupyter would show it too
                    throw new AssertionError(where(nb, number) + " ends with an expression whose value prints as "
                            + e.value() + ", different in every run; end the cell with a statement");
                }
                data.add("text/plain", Notebook.lines(e.value()));
            }
            JsonObject result = new JsonObject();
            result.add("data", data);
            result.addProperty("execution_count", number);
            result.add("metadata", new JsonObject());
            result.addProperty("output_type", "execute_result");
            outputs.add(result);
        }

        private void collectStreams() {
            stream("stdout", out);
            stream("stderr", err);
        }

        /** Appends what was printed to the last output when it is the same stream, as Jupyter shows it. */
        private void stream(String name, ByteArrayOutputStream buffer) {
            String text = buffer.toString(StandardCharsets.UTF_8).replace("\r\n", "\n");
            buffer.reset();
            if (text.isEmpty()) return;
            JsonObject lastOutput = outputs.size() == 0 ? null : outputs.get(outputs.size() - 1).getAsJsonObject();
            if (lastOutput != null && lastOutput.get("output_type").getAsString().equals("stream")
                    && lastOutput.get("name").getAsString().equals(name)) {
                text = joined(lastOutput.getAsJsonArray("text")) + text;
                lastOutput.add("text", Notebook.lines(text));
                return;
            }
            JsonObject o = new JsonObject();
            o.addProperty("name", name);
            o.addProperty("output_type", "stream");
            o.add("text", Notebook.lines(text));
            outputs.add(o);
        }

        /** The cell's printed output so far, for failure messages. */
        private String printed() {
            StringBuilder b = new StringBuilder();
            for (var o : outputs) {
                JsonObject obj = o.getAsJsonObject();
                if (obj.has("text")) b.append(joined(obj.getAsJsonArray("text")));
            }
            if (b.length() == 0) return "";
            String text = b.length() > 3000 ? "..." + b.substring(b.length() - 3000) : b.toString();
            return "\n--- the cell printed:\n" + text;
        }
    }

    private static String joined(JsonArray lines) {
        StringBuilder b = new StringBuilder();
        for (var l : lines) b.append(l.getAsString());
        return b.toString();
    }

    /** The snippet's first line of code (comments skipped), for messages. */
    private static String firstLine(String code) {
        String[] lines = code.strip().split("\n");
        int i = 0;
        while (i < lines.length - 1 && (lines[i].isBlank() || lines[i].strip().startsWith("//"))) i++;
        String line = lines[i].strip() + (i < lines.length - 1 ? " ..." : "");
        return line.length() > 100 ? line.substring(0, 100) + "..." : line;
    }
}
