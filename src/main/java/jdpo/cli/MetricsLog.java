package jdpo.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import jdpo.dpo.StepMetrics;
import jdpo.io.BadInputException;
import jdpo.io.Json;
import jdpo.io.Jsonl;
import jdpo.report.Charts;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The metrics JSON lines of a training run. The file is opened for each line and closed again,
 * so it follows a checkpoint directory that is swapped underneath it. On resume, lines past the
 * resumed step (written after the last checkpoint) are dropped so the log matches a straight run;
 * the lines kept are kept as they were written, byte for byte.
 */
final class MetricsLog {
    private final Path file;
    private final List<JsonObject> kept = new ArrayList<>();

    MetricsLog(Path file, int resumeStep) throws IOException {
        this.file = file;
        if (resumeStep > 0 && Files.isRegularFile(file)) {
            StringBuilder text = new StringBuilder();
            String[] lines = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).split("\n");
            for (int i = 0; i < lines.length; i++) {
                if (lines[i].isBlank()) continue;
                JsonObject o;
                try {
                    o = Json.parse(lines[i], file + ":" + (i + 1)).getAsJsonObject();
                } catch (BadInputException | IllegalStateException e) {
                    if (i == lines.length - 1) break; // a line torn by a crash; it came after the checkpoint
                    throw e;
                }
                JsonElement s = o.get("step");
                if (s != null && s.isJsonPrimitive() && s.getAsDouble() <= resumeStep) {
                    kept.add(o);
                    text.append(lines[i]).append('\n');
                }
            }
            byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
            jdpo.io.AtomicFiles.write(file, tmp -> Files.write(tmp, bytes));
        } else {
            Files.deleteIfExists(file);
        }
    }

    void write(StepMetrics m) {
        try (Jsonl.Writer w = Jsonl.Writer.open(file, true)) {
            w.write(m.toJson());
        }
    }

    /** Feeds the lines kept from before a resume into the charts. */
    void replayInto(Charts.TrainingCurves curves) {
        for (JsonObject o : kept) {
            Map<String, Double> values = new java.util.LinkedHashMap<>();
            for (String k : o.keySet()) {
                JsonElement e = o.get(k);
                if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) values.put(k, e.getAsDouble());
            }
            curves.add(values.getOrDefault("step", 0.0), values);
        }
    }
}
