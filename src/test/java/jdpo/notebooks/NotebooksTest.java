package jdpo.notebooks;

import com.google.gson.JsonArray;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Every notebook under {@code notebooks/} runs top to bottom without a compile error or an
 * exception. Each notebook checks its own key facts in its cells (probabilities sum to 1, the
 * loss at step 0 is ln 2, ...) and throws when one does not hold, which fails its test here.
 *
 * <p>With {@code -Djdpo.notebooks.write=true} the outputs of the run (text and PNG charts) are
 * written back into the notebooks, which is how the stored outputs are made:
 * {@code mvn test -Dtest=NotebooksTest -Djdpo.notebooks.write=true} (add
 * {@code -Djdpo.notebooks.only=04} for one notebook).
 */
class NotebooksTest {
    private static final Path DIR = Path.of("notebooks");
    private static final boolean WRITE = Boolean.getBoolean("jdpo.notebooks.write");
    /** Runs only the notebooks whose file name contains this, e.g. {@code -Djdpo.notebooks.only=04}. */
    private static final String ONLY = System.getProperty("jdpo.notebooks.only", "");

    @TestFactory
    Stream<DynamicTest> everyNotebookRunsTopToBottom() throws IOException {
        List<Path> notebooks;
        try (Stream<Path> files = Files.list(DIR)) {
            notebooks = files.filter(p -> p.toString().endsWith(".ipynb"))
                    .filter(p -> p.getFileName().toString().contains(ONLY)).sorted().collect(Collectors.toList());
        }
        assertFalse(notebooks.isEmpty(), "no notebooks in " + DIR.toAbsolutePath() + (ONLY.isEmpty() ? "" : " matching " + ONLY));
        return notebooks.stream().map(p -> DynamicTest.dynamicTest(p.getFileName().toString(), () -> run(p)));
    }

    private static void run(Path file) throws IOException {
        Notebook nb = Notebook.read(file);
        long t0 = System.nanoTime();
        List<JsonArray> outputs = NotebookRunner.run(nb);
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.err.printf("%s ran in %.1f s%n", file.getFileName(), seconds);
        if (WRITE) {
            nb.setOutputs(outputs);
            nb.write();
        }
    }
}
