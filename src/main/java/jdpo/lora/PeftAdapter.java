package jdpo.lora;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import jdpo.gpt2.Gpt2Config;
import jdpo.io.BadInputException;
import jdpo.io.Json;
import jdpo.io.Safetensors;
import jdpo.tensor.Tensor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A LoRA adapter in PEFT's directory format, the one {@code PeftModel.from_pretrained} loads:
 *
 * <pre>
 *   adapter_config.json          peft_type "LORA", r, lora_alpha, target_modules, ...
 *   adapter_model.safetensors    base_model.model.transformer.h.{i}.{module}.lora_A.weight [r, in]
 *                                base_model.model.transformer.h.{i}.{module}.lora_B.weight [out, r]
 * </pre>
 *
 * PEFT keeps A and B as {@code nn.Linear} weights ({@code [out, in]}), even on GPT-2's Conv1D
 * layers ({@code fan_in_fan_out}, which only transposes the base weight); jdpo keeps them in the
 * Conv1D layout of the layer, so both are transposed here, on the way out and in.
 */
public final class PeftAdapter {
    private PeftAdapter() {}

    public static final String CONFIG = "adapter_config.json";
    public static final String WEIGHTS = "adapter_model.safetensors";

    /** True when {@code dir} holds an adapter (its config file). */
    public static boolean isAdapter(Path dir) {
        return Files.isRegularFile(dir.resolve(CONFIG));
    }

    /**
     * Writes the two files into {@code dir} (which must exist).
     *
     * @param baseModel what {@code base_model_name_or_path} records: the model the adapter was trained on
     */
    public static void writeInto(Path dir, LoraWeights w, String baseModel) throws IOException {
        LoraConfig c = w.config;
        JsonObject o = new JsonObject();
        o.addProperty("peft_type", "LORA");
        o.addProperty("task_type", "CAUSAL_LM");
        o.addProperty("base_model_name_or_path", baseModel);
        o.addProperty("r", c.r());
        if (c.alpha() == Math.rint(c.alpha())) o.addProperty("lora_alpha", (long) c.alpha());
        else o.addProperty("lora_alpha", c.alpha());
        JsonArray targets = new JsonArray();
        for (String t : c.targetNames()) targets.add(t);
        o.add("target_modules", targets);
        o.addProperty("lora_dropout", 0.0);
        o.addProperty("fan_in_fan_out", true); // GPT-2's layers are Conv1D: the base weight is [in, out]
        o.addProperty("bias", "none");
        o.addProperty("use_rslora", false);
        o.addProperty("use_dora", false);
        o.addProperty("init_lora_weights", true);
        o.add("modules_to_save", JsonNull.INSTANCE);
        o.add("layers_to_transform", JsonNull.INSTANCE);
        o.add("rank_pattern", new JsonObject());
        o.add("alpha_pattern", new JsonObject());
        o.addProperty("inference_mode", true);
        Files.write(dir.resolve(CONFIG), (new GsonBuilder().setPrettyPrinting().create().toJson(o) + "\n")
                .getBytes(StandardCharsets.UTF_8));

        Map<String, Tensor> peft = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : w.named().entrySet()) peft.put(e.getKey(), transpose(e.getValue()));
        Safetensors.write(dir.resolve(WEIGHTS), peft, Map.of("format", "pt"));
    }

    /** Reads the adapter in {@code dir} for a model of shape {@code model}. */
    public static LoraWeights read(Path dir, Gpt2Config model) {
        Path configFile = dir.resolve(CONFIG), weightsFile = dir.resolve(WEIGHTS);
        if (!Files.isDirectory(dir)) throw new BadInputException(dir + ": no such adapter directory");
        for (Path f : new Path[] {configFile, weightsFile}) {
            if (!Files.isRegularFile(f)) throw new BadInputException(f + ": missing; " + dir + " is not a PEFT LoRA adapter directory");
        }
        LoraConfig config = readConfig(configFile);
        LoraWeights w = new LoraWeights(model, config);
        Map<String, Tensor> wanted = w.named();
        Map<String, Tensor> found = Safetensors.read(weightsFile);
        for (Map.Entry<String, Tensor> e : found.entrySet()) {
            Tensor into = wanted.get(e.getKey());
            if (into == null) {
                throw new BadInputException(weightsFile + ": unexpected tensor " + Json.quote(e.getKey())
                        + " (the config adapts " + String.join(", ", config.targetNames()) + " of a " + model.nLayer + "-layer GPT-2)");
            }
            Tensor t = e.getValue();
            int[] expected = {into.dim(1), into.dim(0)};
            if (!Arrays.equals(t.shape(), expected)) {
                throw new BadInputException(weightsFile + ": " + e.getKey() + " is " + Arrays.toString(t.shape())
                        + ", expected " + Arrays.toString(expected));
            }
            into.copyFrom(transpose(t));
        }
        List<String> missing = new ArrayList<>();
        for (String name : wanted.keySet()) if (!found.containsKey(name)) missing.add(name);
        if (!missing.isEmpty()) {
            throw new BadInputException(weightsFile + ": missing " + missing.size() + " tensor(s), first " + missing.get(0));
        }
        return w;
    }

    /**
     * The parts of PEFT's config jdpo needs. Options that change the math in ways jdpo does not
     * implement (rsLoRA's scale, DoRA, trained biases, per-layer ranks) are refused, not ignored.
     */
    static LoraConfig readConfig(Path file) {
        JsonObject o = Json.readObject(file);
        String where = file.toString();
        String type = Json.requireString(o, "peft_type", where);
        if (!type.equals("LORA")) throw new BadInputException(where + ": peft_type is " + type + "; only LORA adapters are supported");
        int r = Json.requireInt(o, "r", where);
        double alpha = Json.requireDouble(o, "lora_alpha", where);
        refuseIf(o, "use_rslora", true, where, "rsLoRA (scale alpha/sqrt(r))");
        refuseIf(o, "use_dora", true, where, "DoRA");
        refuseUnless(o, "bias", "none", where);
        for (String field : new String[] {"rank_pattern", "alpha_pattern"}) {
            JsonElement p = o.get(field);
            if (p != null && !p.isJsonNull() && !(p.isJsonObject() && p.getAsJsonObject().size() == 0)) {
                throw new BadInputException(where + ": " + field + " is set; per-module ranks and alphas are not supported");
            }
        }
        for (String field : new String[] {"modules_to_save", "layers_to_transform", "target_parameters"}) {
            JsonElement p = o.get(field);
            if (p != null && !p.isJsonNull() && !(p.isJsonArray() && p.getAsJsonArray().size() == 0)) {
                throw new BadInputException(where + ": " + field + " is set; jdpo supports adapters on whole modules of every layer only");
            }
        }
        JsonElement t = o.get("target_modules");
        if (t == null || !t.isJsonArray()) {
            throw new BadInputException(where + ": target_modules must be a list of module names"
                    + (t != null && t.isJsonPrimitive() ? " (a regular expression is not supported)" : ""));
        }
        List<String> targets = new ArrayList<>();
        for (JsonElement e : t.getAsJsonArray()) {
            if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) throw new BadInputException(where + ": target_modules holds a non-string");
            targets.add(e.getAsString());
        }
        try {
            return LoraConfig.of(r, alpha, targets);
        } catch (IllegalArgumentException e) {
            throw new BadInputException(where + ": " + e.getMessage(), e);
        }
    }

    private static void refuseIf(JsonObject o, String field, boolean value, String where, String what) {
        JsonElement e = o.get(field);
        if (e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isBoolean() && e.getAsBoolean() == value) {
            throw new BadInputException(where + ": " + field + " is " + value + "; " + what + " is not supported");
        }
    }

    private static void refuseUnless(JsonObject o, String field, String value, String where) {
        JsonElement e = o.get(field);
        if (e != null && !e.isJsonNull() && !(e.isJsonPrimitive() && e.getAsString().equals(value))) {
            throw new BadInputException(where + ": " + field + " is " + e + "; only \"" + value + "\" is supported");
        }
    }

    /** A new {@code [n, m]} tensor from an {@code [m, n]} one. */
    static Tensor transpose(Tensor t) {
        int m = t.dim(0), n = t.dim(1);
        Tensor out = Tensor.zeros(n, m);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) out.data[j * m + i] = t.data[t.offset + i * n + j];
        }
        return out;
    }
}
