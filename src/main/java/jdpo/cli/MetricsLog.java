package jdpo.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import jdpo.dpo.StepMetrics;
import jdpo.io.AtomicFiles;
import jdpo.io.BadInputException;
import jdpo.io.FileProblems;
import jdpo.io.Jsonl;
import jdpo.report.Charts;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The metrics JSON lines of a training run. The file is opened for each line and closed again,
 * so a crash loses at most the line being written. On resume, lines past the resumed step
 * (written after the last checkpoint) are dropped so the log matches a straight run; the lines
 * kept are kept as they were written, byte for byte.
 *
 * <p>An existing file is taken over only when jdpo wrote it: every line a JSON object with a
 * numeric {@code "step"} (a last line torn by a crash aside). Anything else is a user's file and
 * is refused, never truncated.
 */
final class MetricsLog {
    static final String DEFAULT_NAME = "metrics.jsonl";
    private final Path file;
    private final List<JsonObject> kept = new ArrayList<>();

    private MetricsLog(Path file) {
        this.file = file;
    }

    /** The log of a run that resumes after {@code resumeStep} (0: a new run). */
    static MetricsLog open(Path file, int resumeStep) throws IOException {
        MetricsLog log = new MetricsLog(file);
        Path parent = file.toAbsolutePath().getParent();
        try {
            if (parent != null) Files.createDirectories(parent);
        } catch (IOException e) {
            throw new BadInputException(parent + ": cannot create the metrics directory (" + FileProblems.reason(e) + ")", e);
        }
        List<String> lines = readOwn(file);
        if (lines == null) return log;
        StringBuilder text = new StringBuilder();
        for (String line : lines) {
            JsonObject o = metricsLine(line);
            if (o.get("step").getAsDouble() <= resumeStep) {
                log.kept.add(o);
                text.append(line).append('\n');
            }
        }
        byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(file, tmp -> Files.write(tmp, bytes));
        return log;
    }

    /**
     * The metrics lines of {@code file} (null when there is no such file), refusing a file that
     * jdpo did not write. A last line torn by a crash is dropped: it came after the checkpoint.
     */
    static List<String> readOwn(Path file) throws IOException {
        if (!Files.exists(file)) return null;
        if (!Files.isRegularFile(file)) throw new BadInputException(file + ": --metrics is not a regular file");
        String[] lines = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).split("\n");
        List<String> own = new ArrayList<>();
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].isBlank()) continue;
            if (metricsLine(lines[i]) != null) {
                own.add(lines[i]);
            } else if (!(i == lines.length - 1 && !lines[i].endsWith("}"))) {
                throw new BadInputException(file + ":" + (i + 1) + ": not a metrics line jdpo wrote (no \"step\"); "
                        + "jdpo replaces only its own metrics files, so choose another --metrics");
            }
        }
        return own;
    }

    /** The line as a metrics object, or null when it is not one jdpo writes. */
    private static JsonObject metricsLine(String line) {
        try {
            JsonElement e = com.google.gson.JsonParser.parseString(line);
            if (!e.isJsonObject()) return null;
            JsonElement s = e.getAsJsonObject().get("step");
            boolean numeric = s != null && s.isJsonPrimitive() && s.getAsJsonPrimitive().isNumber();
            return numeric ? e.getAsJsonObject() : null;
        } catch (RuntimeException e) {
            return null;
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
            Map<String, Double> values = new LinkedHashMap<>();
            for (String k : o.keySet()) {
                JsonElement e = o.get(k);
                if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) values.put(k, e.getAsDouble());
            }
            curves.add(values.getOrDefault("step", 0.0), values);
        }
    }
}
