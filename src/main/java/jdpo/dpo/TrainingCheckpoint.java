package jdpo.dpo;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import jdpo.gpt2.Gpt2Checkpoint;
import jdpo.gpt2.Gpt2Params;
import jdpo.io.AtomicFiles;
import jdpo.io.BadInputException;
import jdpo.io.Json;
import jdpo.io.IoConsumer;
import jdpo.io.Safetensors;
import jdpo.optim.Optimizer;
import jdpo.tensor.Tensor;
import jdpo.tokenizer.Tokenizer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A training output directory: a Hugging Face model directory (config, weights, tokenizer) plus
 * what resuming needs: {@code optimizer.safetensors} (the optimizer's moments) and
 * {@code trainer_state.json} (the step and the settings). Under LoRA the model's files are the
 * adapter's instead, in PEFT's format ({@code adapter_config.json}, {@code adapter_model.safetensors},
 * written by the caller).
 *
 * <p>Each save writes the checkpoint's files aside and swaps them in together
 * ({@link AtomicFiles#replaceFiles}), so a crash at any moment leaves the whole previous checkpoint
 * or the whole new one. Nothing else in the directory (metrics, charts, a user's notes, hidden
 * files) is touched.
 */
public final class TrainingCheckpoint {
    private TrainingCheckpoint() {}

    public static final String OPTIMIZER = "optimizer.safetensors";
    public static final String STATE = "trainer_state.json";

    /** What a resumed run starts from. */
    public static final class Saved {
        /** The model's weights, or null when the checkpoint holds none (a LoRA run's holds its adapter instead). */
        public final Gpt2Params params;
        public final Map<String, Tensor> optimizerState;
        public final int step;
        public final JsonObject state;

        Saved(Gpt2Params params, Map<String, Tensor> optimizerState, int step, JsonObject state) {
            this.params = params;
            this.optimizerState = optimizerState;
            this.step = step;
            this.state = state;
        }
    }

    /** True when {@code dir} holds a checkpoint that {@link #load} can resume from. */
    public static boolean exists(Path dir) {
        AtomicFiles.recover(dir);
        return Files.isRegularFile(dir.resolve(STATE));
    }

    /**
     * Writes the checkpoint of {@code step} into the existing directory {@code dir}, replacing
     * the checkpoint's own files there together ({@link AtomicFiles#replaceFiles}) and nothing else.
     *
     * @param settings the run's settings, recorded so a resume can check it continues the same run
     */
    public static void save(Path dir, Gpt2Params params, Tokenizer tokenizer, Optimizer optimizer, int step,
                            JsonObject settings) {
        save(dir, tmp -> Gpt2Checkpoint.writeInto(tmp, params), tokenizer, optimizer, step, settings);
    }

    /**
     * Writes a checkpoint whose trained weights {@code model} writes into the directory being
     * built: a LoRA run's adapter, in place of the model.
     */
    public static void save(Path dir, IoConsumer<Path> model, Tokenizer tokenizer, Optimizer optimizer, int step,
                            JsonObject settings) {
        AtomicFiles.replaceFiles(dir, tmp -> {
            model.accept(tmp);
            tokenizer.save(tmp);
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("optimizer", optimizer.name());
            meta.put("step", Integer.toString(step));
            Safetensors.write(tmp.resolve(OPTIMIZER), optimizer.state(), meta);
            JsonObject state = new JsonObject();
            state.addProperty("global_step", step);
            state.addProperty("optimizer", optimizer.name());
            state.addProperty("optimizer_steps", optimizer.steps());
            state.add("settings", settings);
            Files.write(tmp.resolve(STATE), (new GsonBuilder().setPrettyPrinting().create().toJson(state) + "\n")
                    .getBytes(StandardCharsets.UTF_8));
        });
    }

    /** Reads a checkpoint written by {@link #save}. */
    public static Saved load(Path dir) {
        if (!exists(dir)) throw new BadInputException(dir + ": no " + STATE + " here; nothing to resume");
        Path stateFile = dir.resolve(STATE);
        JsonObject state = Json.readObject(stateFile);
        int step = Json.requireInt(state, "global_step", stateFile);
        Gpt2Params params = Files.exists(dir.resolve(Gpt2Checkpoint.WEIGHTS)) ? Gpt2Checkpoint.load(dir).params : null;
        Path opt = dir.resolve(OPTIMIZER);
        if (!Files.isRegularFile(opt)) throw new BadInputException(opt + ": missing; cannot resume the optimizer");
        Map<String, String> meta = Safetensors.readMetadata(opt);
        if (!Integer.toString(step).equals(meta.get("step"))) {
            throw new BadInputException(opt + ": holds step " + meta.get("step") + " but " + STATE + " says " + step);
        }
        return new Saved(params, Safetensors.read(opt), step, state);
    }
}
