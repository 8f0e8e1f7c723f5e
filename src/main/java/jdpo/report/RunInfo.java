package jdpo.report;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import jdpo.dpo.TrainingCheckpoint;
import jdpo.io.AtomicFiles;
import jdpo.io.Json;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a report needs to know about a run that its output files do not say: where the trained
 * policy is, which model it was trained against (the reference), which pairs it trained on and
 * which it held out, and beta. Saved as {@code run.json} in the run directory, so that
 * {@code jdpo report RUN_DIR} can rebuild the page later.
 *
 * @param policy    the trained model's directory ({@code RUN_DIR/policy} for the demo, {@code RUN_DIR} for {@code train})
 * @param reference the reference model's directory; {@code null} for a reference-free run (log pi_ref = 0)
 * @param evalData  held-out pairs; {@code null} when the run had none
 * @param beta      the run's beta; {@code null} for a beta sweep, which has one per policy
 */
public record RunInfo(String kind, Path policy, Path reference, Path data, Path evalData, Double beta, String loss) {
    public static final String FILE = "run.json";

    /**
     * A finished {@code jdpo demo} run: the policy in {@code dir/policy}, trained against {@code model}
     * on its pairs.jsonl; or, when {@code dir} holds no policy, a beta sweep, which keeps none.
     */
    public static RunInfo demo(Path dir, Path model, double beta) {
        Path data = model.resolve("pairs.jsonl");
        if (!Files.isDirectory(dir.resolve("policy"))) return new RunInfo("beta sweep", null, model, data, null, null, "sigmoid");
        return new RunInfo("demo", dir.resolve("policy"), model, data, null, beta, "sigmoid");
    }

    /** A {@code jdpo train} run: the policy is {@code dir} itself. */
    public static RunInfo train(Path dir, Path reference, Path data, Path evalData, double beta, String loss) {
        return new RunInfo("train", dir, reference, data, evalData, beta, loss);
    }

    /** Writes {@code dir/run.json} with absolute paths, so the file means the same from any working directory. */
    public void save(Path dir) {
        JsonObject o = new JsonObject();
        o.addProperty("kind", kind);
        o.addProperty("policy", absolute(policy));
        o.addProperty("reference", absolute(reference));
        o.addProperty("data", absolute(data));
        o.addProperty("eval_data", absolute(evalData));
        o.addProperty("beta", beta);
        o.addProperty("loss", loss);
        String json = new GsonBuilder().serializeNulls().setPrettyPrinting().create().toJson(o) + "\n";
        AtomicFiles.write(dir.resolve(FILE), tmp -> Files.writeString(tmp, json, StandardCharsets.UTF_8));
    }

    /**
     * The run in {@code dir}: from its {@code run.json}, or else from what {@code train} and the
     * demo write anyway ({@code trainer_state.json}'s settings; a demo's {@code policy/} and
     * {@code summary.json}), with the reference and data left {@code null} when nothing says them.
     * Returns {@code null} when {@code dir} looks like neither.
     */
    public static RunInfo find(Path dir) {
        Path saved = dir.resolve(FILE);
        if (Files.isRegularFile(saved)) {
            JsonObject o = Json.readObject(saved);
            return new RunInfo(Json.optionalString(o, "kind", "train", saved), path(o, "policy", saved),
                    path(o, "reference", saved), path(o, "data", saved), path(o, "eval_data", saved),
                    o.has("beta") && !o.get("beta").isJsonNull() ? Json.requireDouble(o, "beta", saved) : null,
                    Json.optionalString(o, "loss", "sigmoid", saved));
        }
        Path state = dir.resolve(TrainingCheckpoint.STATE);
        if (Files.isRegularFile(state)) {
            JsonObject settings = Json.readObject(state).getAsJsonObject("settings");
            if (settings == null) settings = new JsonObject();
            Path model = path(settings, "model", state);
            return new RunInfo("train", dir, model, path(settings, "data", state), null,
                    Json.optionalDouble(settings, "beta", 0.1, state), Json.optionalString(settings, "loss", "sigmoid", state));
        }
        Path summary = dir.resolve("summary.json");
        if (Files.isRegularFile(summary)) {
            double beta = Json.optionalDouble(Json.readObject(summary), "beta", 0.1, summary);
            Path model = Path.of("weights", "tiny"); // the demo's default model
            return new RunInfo("demo", dir.resolve("policy"), model, model.resolve("pairs.jsonl"), null, beta, "sigmoid");
        }
        if (Files.isRegularFile(dir.resolve("sweep.json"))) return new RunInfo("beta sweep", null, null, null, null, null, "sigmoid");
        return null;
    }

    /** The same run with a different reference and data (flags of {@code jdpo report}). */
    public RunInfo with(Path reference, Path data, Path evalData) {
        return new RunInfo(kind, policy, reference != null ? reference : this.reference, data != null ? data : this.data,
                evalData != null ? evalData : this.evalData, beta, loss);
    }

    private static String absolute(Path p) {
        return p == null ? null : p.toAbsolutePath().normalize().toString();
    }

    private static Path path(JsonObject o, String field, Path file) {
        if (!o.has(field) || o.get(field).isJsonNull()) return null;
        return Path.of(Json.requireString(o, field, file));
    }
}
