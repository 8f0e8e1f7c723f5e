package jdpo.notebooks;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.stream.JsonWriter;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A Jupyter notebook file (nbformat 4) as JSON: its code cells' sources in, their outputs out.
 * Written back the way Jupyter writes it (keys sorted, one-space indent, multi-line strings as
 * lists of lines), so a notebook saved from Jupyter and one regenerated here differ only in
 * their outputs.
 */
final class Notebook {
    final Path file;
    private final JsonObject json;

    private Notebook(Path file, JsonObject json) {
        this.file = file;
        this.json = json;
    }

    static Notebook read(Path file) throws IOException {
        JsonObject json = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8)).getAsJsonObject();
        if (json.get("nbformat").getAsInt() != 4) throw new IllegalArgumentException(file + ": not an nbformat 4 notebook");
        String kernel = json.getAsJsonObject("metadata").getAsJsonObject("kernelspec").get("name").getAsString();
        if (!kernel.equals("java")) throw new IllegalArgumentException(file + ": kernelspec is " + kernel + ", not java");
        return new Notebook(file, json);
    }

    /** The code cells in order (markdown and raw cells are not run). */
    List<JsonObject> codeCells() {
        List<JsonObject> cells = new ArrayList<>();
        for (JsonElement c : json.getAsJsonArray("cells")) {
            if (c.getAsJsonObject().get("cell_type").getAsString().equals("code")) cells.add(c.getAsJsonObject());
        }
        return cells;
    }

    /** A cell's source: nbformat allows one string or a list of lines. */
    static String source(JsonObject cell) {
        JsonElement s = cell.get("source");
        if (s.isJsonPrimitive()) return s.getAsString();
        StringBuilder b = new StringBuilder();
        for (JsonElement line : s.getAsJsonArray()) b.append(line.getAsString());
        return b.toString();
    }

    /** Text as nbformat stores it: a list of lines, each but the last ending in a newline. */
    static JsonArray lines(String text) {
        JsonArray a = new JsonArray();
        int from = 0;
        while (from < text.length()) {
            int nl = text.indexOf('\n', from);
            int to = nl < 0 ? text.length() : nl + 1;
            a.add(text.substring(from, to));
            from = to;
        }
        return a;
    }

    /** Replaces each code cell's outputs and execution count (cells numbered from 1). */
    void setOutputs(List<JsonArray> outputsPerCodeCell) {
        List<JsonObject> cells = codeCells();
        if (cells.size() != outputsPerCodeCell.size()) throw new IllegalArgumentException("one output list per code cell");
        for (int i = 0; i < cells.size(); i++) {
            JsonObject cell = cells.get(i);
            cell.addProperty("execution_count", i + 1);
            JsonArray outputs = outputsPerCodeCell.get(i);
            for (JsonElement o : outputs) {
                if (o.getAsJsonObject().has("execution_count")) o.getAsJsonObject().addProperty("execution_count", i + 1);
            }
            cell.add("outputs", outputs);
        }
    }

    void write() throws IOException {
        StringWriter text = new StringWriter();
        JsonWriter w = new JsonWriter(text);
        w.setIndent(" ");
        w.setHtmlSafe(false);
        writeSorted(w, json);
        w.flush();
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, text + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private static void writeSorted(JsonWriter w, JsonElement e) throws IOException {
        if (e.isJsonObject()) {
            w.beginObject();
            Map<String, JsonElement> sorted = new TreeMap<>();
            for (Map.Entry<String, JsonElement> m : e.getAsJsonObject().entrySet()) sorted.put(m.getKey(), m.getValue());
            for (Map.Entry<String, JsonElement> m : sorted.entrySet()) {
                w.name(m.getKey());
                writeSorted(w, m.getValue());
            }
            w.endObject();
        } else if (e.isJsonArray()) {
            w.beginArray();
            for (JsonElement x : e.getAsJsonArray()) writeSorted(w, x);
            w.endArray();
        } else if (e.isJsonNull()) {
            w.nullValue();
        } else if (e.getAsJsonPrimitive().isNumber()) {
            w.value(e.getAsJsonPrimitive().getAsNumber());
        } else if (e.getAsJsonPrimitive().isBoolean()) {
            w.value(e.getAsBoolean());
        } else {
            w.value(e.getAsString());
        }
    }
}
