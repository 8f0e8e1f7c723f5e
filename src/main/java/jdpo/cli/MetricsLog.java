package jdpo.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import jdpo.dpo.StepMetrics;
import jdpo.io.Jsonl;
import jdpo.report.Charts;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The metrics JSON lines of a training run. The file is opened for each line and closed again,
 * so it follows a checkpoint directory that is swapped underneath it. On resume, lines past the
 * resumed step (written after the last checkpoint) are dropped so the log matches a straight run.
 */
final class MetricsLog {
    private final Path file;
    private final List<JsonObject> kept = new ArrayList<>();

    MetricsLog(Path file, int resumeStep) throws IOException {
        this.file = file;
        if (resumeStep > 0 && Files.isRegularFile(file)) {
            for (JsonObject o : Jsonl.readObjects(file)) {
                JsonElement s = o.get("step");
                if (s != null && s.isJsonPrimitive() && s.getAsDouble() <= resumeStep) kept.add(o);
            }
            jdpo.io.AtomicFiles.write(file, tmp -> {
                try (Jsonl.Writer w = Jsonl.Writer.open(tmp, false)) {
                    for (JsonObject o : kept) w.write(o);
                }
            });
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
