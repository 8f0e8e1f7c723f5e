package jdpo.gpt2;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import jdpo.io.AtomicFiles;
import jdpo.io.BadInputException;
import jdpo.io.Json;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The shape of a GPT-2, as Hugging Face's {@code GPT2Config} writes it to {@code config.json}.
 *
 * <p>Fields jdpo does not use (dropout rates, {@code task_specific_params}, ...) are kept as
 * they were read and written back unchanged, so a round trip through jdpo loses nothing.
 */
public final class Gpt2Config {
    public final int nLayer;
    public final int nHead;
    /** C, the width of the residual stream. */
    public final int nEmbd;
    /** The longest sequence the position embedding covers. */
    public final int nPositions;
    public final int vocabSize;
    /** Width of the MLP's hidden layer; 4C unless {@code n_inner} says otherwise. */
    public final int nInner;
    public final float layerNormEpsilon;
    public final String activationFunction;
    public final int bosTokenId;
    public final int eosTokenId;
    private final JsonObject original;

    /**
     * A new config. Its {@code config.json} says dropout 0 ({@code attn_pdrop}, {@code embd_pdrop},
     * {@code resid_pdrop}): jdpo trains without dropout, and {@code transformers} would otherwise
     * assume GPT-2's 0.1 when it trains the model further. A config read from a file keeps what
     * the file says.
     */
    public Gpt2Config(int nLayer, int nHead, int nEmbd, int nPositions, int vocabSize,
                      float layerNormEpsilon, int bosTokenId, int eosTokenId) {
        this(nLayer, nHead, nEmbd, nPositions, vocabSize, 4L * nEmbd, layerNormEpsilon, "gelu_new",
                bosTokenId, eosTokenId, noDropout(), "config");
    }

    private static JsonObject noDropout() {
        JsonObject o = new JsonObject();
        for (String field : new String[] {"attn_pdrop", "embd_pdrop", "resid_pdrop"}) o.addProperty(field, 0.0);
        return o;
    }

    private Gpt2Config(int nLayer, int nHead, int nEmbd, int nPositions, int vocabSize, long nInner,
                       float layerNormEpsilon, String activationFunction, int bosTokenId, int eosTokenId,
                       JsonObject original, String source) {
        this.nLayer = nLayer;
        this.nHead = nHead;
        this.nEmbd = nEmbd;
        this.nPositions = nPositions;
        this.vocabSize = vocabSize;
        this.nInner = (int) nInner; // checked in validate: 4 n_embd (the default) can pass 2^31 and wrap around
        this.layerNormEpsilon = layerNormEpsilon;
        this.activationFunction = activationFunction;
        this.bosTokenId = bosTokenId;
        this.eosTokenId = eosTokenId;
        this.original = original;
        validate(source, nInner);
    }

    /** The width of one attention head, C / nHead. */
    public int headSize() {
        return nEmbd / nHead;
    }

    private void validate(String source, long nInnerAsGiven) {
        require(nLayer >= 1, source, "n_layer must be at least 1, got " + nLayer);
        require(nHead >= 1, source, "n_head must be at least 1, got " + nHead);
        require(nEmbd >= 1 && nEmbd % nHead == 0, source,
                "n_embd (" + nEmbd + ") must be a positive multiple of n_head (" + nHead + ")");
        require(nPositions >= 1, source, "n_positions must be at least 1, got " + nPositions);
        require(vocabSize >= 1, source, "vocab_size must be at least 1, got " + vocabSize);
        require(nInnerAsGiven >= 1 && nInnerAsGiven <= Integer.MAX_VALUE, source,
                "n_inner (4 n_embd when absent) must be in [1, 2^31), got " + nInnerAsGiven);
        require(layerNormEpsilon > 0 && Float.isFinite(layerNormEpsilon), source,
                "layer_norm_epsilon must be positive, got " + layerNormEpsilon);
        require(activationFunction.equals("gelu_new") || activationFunction.equals("gelu_pytorch_tanh"), source,
                "activation_function '" + activationFunction + "' is not supported (jdpo implements gelu_new)");
        require(eosTokenId >= 0 && eosTokenId < vocabSize, source,
                "eos_token_id " + eosTokenId + " is outside the vocabulary of " + vocabSize);
        require(bosTokenId >= 0 && bosTokenId < vocabSize, source,
                "bos_token_id " + bosTokenId + " is outside the vocabulary of " + vocabSize);
        long params = parameterCount();
        require(params < Integer.MAX_VALUE - 8, source, "the model has " + (params == Long.MAX_VALUE ? "over 2^63" : params)
                + " parameters, more than one Java array holds");
    }

    private static void require(boolean ok, String source, String message) {
        if (!ok) throw new BadInputException(source + ": " + message);
    }

    /**
     * Number of parameters (the tied LM head counted once); {@code Long.MAX_VALUE} when it does
     * not fit a long, so that a corrupt config cannot wrap around to a plausible size.
     */
    public long parameterCount() {
        try {
            long c = nEmbd, f = nInner;
            // 2C (ln_1) + 3C^2+3C (c_attn) + C^2+C (attn c_proj) + 2C (ln_2) + CF+F (c_fc) + FC+C (mlp c_proj)
            long perLayer = Math.addExact(Math.addExact(Math.multiplyExact(4 * c, c), Math.multiplyExact(2 * c, f)), 9 * c + f);
            long embeddings = Math.multiplyExact((long) vocabSize + nPositions, c);
            return Math.addExact(Math.addExact(embeddings, Math.multiplyExact(nLayer, perLayer)), 2 * c);
        } catch (ArithmeticException overflow) {
            return Long.MAX_VALUE;
        }
    }

    /** Reads {@code config.json} as Hugging Face writes it. */
    public static Gpt2Config read(Path file) {
        JsonObject o = Json.readObject(file);
        String source = file.toString();
        if (o.has("model_type") && !o.get("model_type").isJsonNull()
                && !"gpt2".equals(Json.requireString(o, "model_type", file))) {
            throw new BadInputException(source + ": model_type is '" + o.get("model_type").getAsString()
                    + "', jdpo reads only gpt2 models");
        }
        for (String flag : new String[] {"scale_attn_by_inverse_layer_idx", "reorder_and_upcast_attn"}) {
            if (o.has(flag) && o.get(flag).isJsonPrimitive() && o.get(flag).getAsJsonPrimitive().isBoolean()
                    && o.get(flag).getAsBoolean()) {
                throw new BadInputException(source + ": " + flag + "=true is not supported");
            }
        }
        if (o.has("scale_attn_weights") && o.get("scale_attn_weights").isJsonPrimitive()
                && o.get("scale_attn_weights").getAsJsonPrimitive().isBoolean() && !o.get("scale_attn_weights").getAsBoolean()) {
            throw new BadInputException(source + ": scale_attn_weights=false is not supported");
        }
        int nEmbd = Json.requireInt(o, "n_embd", file);
        int vocab = Json.requireInt(o, "vocab_size", file);
        long nInner = o.has("n_inner") && !o.get("n_inner").isJsonNull() ? Json.requireInt(o, "n_inner", file) : 4L * nEmbd;
        String act = o.has("activation_function") ? Json.requireString(o, "activation_function", file) : "gelu_new";
        int eos = Json.optionalInt(o, "eos_token_id", vocab - 1, file);
        int bos = Json.optionalInt(o, "bos_token_id", eos, file);
        return new Gpt2Config(
                Json.requireInt(o, "n_layer", file),
                Json.requireInt(o, "n_head", file),
                nEmbd,
                Json.requireInt(o, "n_positions", file),
                vocab,
                nInner,
                (float) Json.optionalDouble(o, "layer_norm_epsilon", 1e-5, file),
                act, bos, eos, o.deepCopy(), source);
    }

    /** The config as Hugging Face's {@code GPT2Config.to_json_string} would have it. */
    public JsonObject toJson() {
        JsonObject o = original.deepCopy();
        o.addProperty("model_type", "gpt2");
        if (!o.has("architectures") || "GPT2Model".equals(firstArchitecture(o))) {
            JsonArray arch = new JsonArray();
            arch.add("GPT2LMHeadModel");
            o.add("architectures", arch);
        }
        o.addProperty("n_layer", nLayer);
        o.addProperty("n_head", nHead);
        o.addProperty("n_embd", nEmbd);
        o.addProperty("n_positions", nPositions);
        o.addProperty("n_ctx", nPositions);
        o.addProperty("vocab_size", vocabSize);
        if (nInner == 4 * nEmbd) o.add("n_inner", JsonNull.INSTANCE);
        else o.addProperty("n_inner", nInner);
        o.addProperty("layer_norm_epsilon", layerNormEpsilon);
        o.addProperty("activation_function", activationFunction);
        o.addProperty("bos_token_id", bosTokenId);
        o.addProperty("eos_token_id", eosTokenId);
        o.addProperty("tie_word_embeddings", true);
        o.addProperty("torch_dtype", "float32");
        return o;
    }

    private static String firstArchitecture(JsonObject o) {
        JsonElement a = o.get("architectures");
        if (a != null && a.isJsonArray() && a.getAsJsonArray().size() > 0 && a.getAsJsonArray().get(0).isJsonPrimitive()) {
            return a.getAsJsonArray().get(0).getAsString();
        }
        return "";
    }

    /** Writes {@code config.json} (pretty-printed, as Hugging Face does), atomically. */
    public void write(Path file) throws IOException {
        Gson gson = new GsonBuilder().setPrettyPrinting().serializeNulls().create();
        byte[] bytes = (gson.toJson(toJson()) + "\n").getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(file, tmp -> Files.write(tmp, bytes));
    }

    @Override
    public String toString() {
        return "GPT-2 " + nLayer + " layers, " + nHead + " heads, " + nEmbd + " dims, " + nPositions
                + " positions, vocabulary " + vocabSize + " (" + parameterCount() + " parameters)";
    }
}
