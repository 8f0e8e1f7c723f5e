package jdpo.notebooks;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The runner reports what a cell printed and returned, and fails on every kind of broken cell. */
class NotebookRunnerTest {
    @TempDir
    Path dir;

    /** A notebook file with one code cell per source. */
    private Notebook notebook(String... cells) throws IOException {
        JsonArray list = new JsonArray();
        for (String source : cells) {
            JsonObject c = new JsonObject();
            c.addProperty("cell_type", "code");
            c.add("metadata", new JsonObject());
            c.add("outputs", new JsonArray());
            c.add("source", Notebook.lines(source));
            list.add(c);
        }
        JsonObject kernel = new JsonObject();
        kernel.addProperty("name", "java");
        JsonObject meta = new JsonObject();
        meta.add("kernelspec", kernel);
        JsonObject nb = new JsonObject();
        nb.add("cells", list);
        nb.add("metadata", meta);
        nb.addProperty("nbformat", 4);
        nb.addProperty("nbformat_minor", 5);
        Path file = dir.resolve("test.ipynb");
        Files.writeString(file, nb.toString(), StandardCharsets.UTF_8);
        return Notebook.read(file);
    }

    private static String text(JsonObject output) {
        StringBuilder b = new StringBuilder();
        for (var line : output.getAsJsonArray("text")) b.append(line.getAsString());
        return b.toString();
    }

    @Test
    void cellsShareStateAndKeepPrintedTextResultsAndImages() throws IOException {
        List<JsonArray> out = NotebookRunner.run(notebook(
                "int x = 20;\nSystem.out.println(\"x is \" + x);\nSystem.out.print(\"twice \" + 2 * x);\n// the end",
                "int twice(int v) { return 2 * v; }\ntwice(x) + 2",
                "var img = new java.awt.image.BufferedImage(3, 2, java.awt.image.BufferedImage.TYPE_INT_RGB);\nimg",
                "// a cell with nothing to run"));
        assertEquals(4, out.size());
        assertEquals(0, out.get(3).size());
        JsonObject printed = out.get(0).get(0).getAsJsonObject();
        assertEquals("stream", printed.get("output_type").getAsString());
        assertEquals("x is 20\ntwice 40", text(printed));
        assertEquals(1, out.get(0).size(), "consecutive prints form one stream output");
        JsonObject result = out.get(1).get(0).getAsJsonObject();
        assertEquals("execute_result", result.get("output_type").getAsString());
        assertEquals("42", result.getAsJsonObject("data").getAsJsonArray("text/plain").get(0).getAsString());
        JsonObject image = out.get(2).get(0).getAsJsonObject().getAsJsonObject("data");
        assertTrue(image.get("image/png").getAsString().startsWith("iVBORw0KGgo"), "a base64 PNG");
        assertEquals("<image 3x2>", image.getAsJsonArray("text/plain").get(0).getAsString());
    }

    @Test
    void aCellThatDoesNotCompileFailsNamingTheCell() throws IOException {
        Notebook nb = notebook("int a = 1;", "int b = a + undefinedName;");
        AssertionError e = assertThrows(AssertionError.class, () -> NotebookRunner.run(nb));
        assertTrue(e.getMessage().contains("code cell 2") && e.getMessage().contains("does not compile"), e.getMessage());
    }

    @Test
    void aFailedCheckInACellFailsTheRun() throws IOException {
        Notebook nb = notebook("System.out.println(\"before\");\nif (1 + 1 != 3) throw new AssertionError(\"arithmetic\");");
        AssertionError e = assertThrows(AssertionError.class, () -> NotebookRunner.run(nb));
        assertTrue(e.getMessage().contains("code cell 1") && e.getMessage().contains("java.lang.AssertionError: arithmetic")
                && e.getMessage().contains("before"), e.getMessage());
    }

    @Test
    void aMethodCallingSomethingUndefinedFails() throws IOException {
        Notebook nb = notebook("void m() { notDefinedAnywhere(); }");
        AssertionError e = assertThrows(AssertionError.class, () -> NotebookRunner.run(nb));
        assertTrue(e.getMessage().contains("notDefinedAnywhere"), e.getMessage());
    }

    @Test
    void aResultThatPrintsAsAnIdentityHashFails() throws IOException {
        Notebook nb = notebook("System.out.printf(\"%d%n\", 5)");
        AssertionError e = assertThrows(AssertionError.class, () -> NotebookRunner.run(nb));
        assertTrue(e.getMessage().contains("different in every run"), e.getMessage());
    }

    @Test
    void jdpoIsVisibleOnlyThroughTheClasspathCellAsInJupyter() throws IOException {
        String code = "jdpo.dpo.DpoLoss.sigmoid(0.0)";
        AssertionError e = assertThrows(AssertionError.class, () -> NotebookRunner.run(notebook(code)));
        assertTrue(e.getMessage().contains("does not compile"), e.getMessage());
        String classpath = Path.of("target/notebook-classpath").toAbsolutePath().toString();
        List<JsonArray> out = NotebookRunner.run(notebook("%classpath " + classpath, code));
        assertEquals(0, out.get(0).size(), "the magic cell prints nothing here");
        assertEquals("0.5", out.get(1).get(0).getAsJsonObject().getAsJsonObject("data").getAsJsonArray("text/plain").get(0).getAsString());
    }

    @Test
    void aMagicMixedWithCodeFailsAsOnTheRapaioKernel() throws IOException {
        Notebook nb = notebook("%classpath ../target/notebook-classpath\nint a = 1;");
        AssertionError e = assertThrows(AssertionError.class, () -> NotebookRunner.run(nb));
        assertTrue(e.getMessage().contains("alone in its own cell"), e.getMessage());
    }

    @Test
    void aClasspathThatIsNotADirectoryFails() throws IOException {
        Notebook nb = notebook("%classpath no-such-dir");
        AssertionError e = assertThrows(AssertionError.class, () -> NotebookRunner.run(nb));
        assertTrue(e.getMessage().contains("is not a directory"), e.getMessage());
    }

    @Test
    void anUnknownMagicFails() throws IOException {
        Notebook nb = notebook("%maven org.example:thing:1.0\nint a = 1;");
        AssertionError e = assertThrows(AssertionError.class, () -> NotebookRunner.run(nb));
        assertTrue(e.getMessage().contains("%maven"), e.getMessage());
    }
}
