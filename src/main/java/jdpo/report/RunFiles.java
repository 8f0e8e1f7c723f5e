package jdpo.report;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import jdpo.dpo.TrainingCheckpoint;
import jdpo.io.BadInputException;
import jdpo.io.Json;
import jdpo.io.Jsonl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a run directory holds, read once; a file the run did not write is empty here, so each
 * part of the report simply leaves out what it has no data for.
 *
 * <ul>
 *   <li>{@code metrics.jsonl}: one object per logged step, TRL's names ({@code loss}, {@code rewards/margins}, ...)
 *   <li>{@code summary.json}: the demo's result (reward before and after, KL, beta, ...)
 *   <li>{@code samples.jsonl}: the demo's held-out prompts with a continuation before and after
 *   <li>{@code eval.jsonl}: the demo's evaluations during training (reward, KL, ... by step)
 *   <li>{@code sweep.json}: one result per beta of a beta sweep
 *   <li>{@code trainer_state.json}: {@code train}'s step and settings
 * </ul>
 */
final class RunFiles {
    final Path dir;
    final List<JsonObject> metrics, samples, eval;
    final JsonObject summary, settings;
    final List<JsonObject> sweep;
    final FileTime written;

    private RunFiles(Path dir) {
        this.dir = dir;
        metrics = lines(dir.resolve("metrics.jsonl"));
        samples = lines(dir.resolve("samples.jsonl"));
        eval = lines(dir.resolve("eval.jsonl"));
        Path summaryFile = dir.resolve("summary.json"), state = dir.resolve(TrainingCheckpoint.STATE);
        summary = Files.isRegularFile(summaryFile) ? Json.readObject(summaryFile) : new JsonObject();
        JsonObject s = Files.isRegularFile(state) ? Json.readObject(state).getAsJsonObject("settings") : null;
        settings = s != null ? s : new JsonObject();
        sweep = sweep(dir.resolve("sweep.json"));
        written = newest(dir, "summary.json", "metrics.jsonl", TrainingCheckpoint.STATE, "sweep.json");
    }

    static RunFiles read(Path dir) {
        if (!Files.isDirectory(dir)) throw new BadInputException(dir + ": no such run directory");
        return new RunFiles(dir);
    }

    /** The values of one metric by step, in file order; empty when no line has it. */
    Map<Double, Double> series(List<JsonObject> lines, String name) {
        Map<Double, Double> out = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            JsonObject o = lines.get(i);
            if (!isNumber(o, name)) continue;
            double step = isNumber(o, "step") ? o.get("step").getAsDouble() : i + 1;
            out.put(step, o.get(name).getAsDouble());
        }
        return out;
    }

    static boolean isNumber(JsonObject o, String name) {
        JsonElement e = o.get(name);
        return e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber();
    }

    static boolean isBoolean(JsonObject o, String name) {
        JsonElement e = o.get(name);
        return e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isBoolean();
    }

    private static List<JsonObject> lines(Path file) {
        return Files.isRegularFile(file) ? Jsonl.readObjects(file) : List.of();
    }

    /** sweep.json: an array of per-beta objects, or an object holding such an array. */
    private static List<JsonObject> sweep(Path file) {
        if (!Files.isRegularFile(file)) return List.of();
        JsonElement e;
        try {
            e = Json.parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
        } catch (IOException ex) {
            throw new BadInputException(file + ": cannot read (" + ex.getMessage() + ")", ex);
        }
        JsonArray rows = null;
        if (e.isJsonArray()) rows = e.getAsJsonArray();
        else if (e.isJsonObject()) {
            for (var entry : e.getAsJsonObject().entrySet()) if (entry.getValue().isJsonArray()) rows = entry.getValue().getAsJsonArray();
        }
        List<JsonObject> out = new ArrayList<>();
        if (rows != null) for (JsonElement r : rows) if (r.isJsonObject() && isNumber(r.getAsJsonObject(), "beta")) out.add(r.getAsJsonObject());
        return out;
    }

    private static FileTime newest(Path dir, String... names) {
        FileTime t = null;
        for (String n : names) {
            try {
                Path f = dir.resolve(n);
                if (Files.isRegularFile(f)) {
                    FileTime m = Files.getLastModifiedTime(f);
                    if (t == null || m.compareTo(t) > 0) t = m;
                }
            } catch (IOException ignored) {
                // a file that cannot be read gives no time; the page then shows none
            }
        }
        return t;
    }
}
