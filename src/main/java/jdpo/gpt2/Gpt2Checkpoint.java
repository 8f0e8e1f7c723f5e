package jdpo.gpt2;

import jdpo.io.AtomicFiles;
import jdpo.io.BadInputException;
import jdpo.io.Safetensors;
import jdpo.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A GPT-2 in a Hugging Face model directory: {@code config.json} + {@code model.safetensors}.
 *
 * <p>Reading accepts what {@code transformers} writes: keys with or without the
 * {@code transformer.} prefix, a stored {@code lm_head.weight} (the head is tied to {@code wte},
 * so it is skipped), and the {@code attn.bias} / {@code attn.masked_bias} buffers older versions
 * saved. Writing produces F32 weights without prefix, which {@code GPT2LMHeadModel} loads.
 */
public final class Gpt2Checkpoint {
    private Gpt2Checkpoint() {}

    public static final String CONFIG = "config.json";
    public static final String WEIGHTS = "model.safetensors";
    private static final Pattern BUFFER = Pattern.compile("h\\.\\d+\\.attn\\.(bias|masked_bias)");

    /** Parameters read from a directory, with the warnings a user should see. */
    public static final class Loaded {
        public final Gpt2Params params;
        public final List<String> warnings;

        Loaded(Gpt2Params params, List<String> warnings) {
            this.params = params;
            this.warnings = warnings;
        }
    }

    /** Reads {@code dir/config.json} and {@code dir/model.safetensors}. */
    public static Loaded load(Path dir) {
        AtomicFiles.recover(dir); // a crash in the middle of a checkpoint swap left the old one aside
        if (!Files.isDirectory(dir)) {
            throw new BadInputException(dir + ": " + (Files.exists(dir) ? "not a directory" : "no such directory")
                    + " (a model is a directory with config.json and model.safetensors)");
        }
        Path configFile = dir.resolve(CONFIG), weightsFile = dir.resolve(WEIGHTS);
        for (Path f : new Path[] {configFile, weightsFile}) {
            if (!Files.isRegularFile(f)) {
                throw new BadInputException(f + ": missing; " + dir + " is not a Hugging Face GPT-2 directory");
            }
        }
        Gpt2Config config = Gpt2Config.read(configFile);
        // Skipped unread: the mask buffers (some transformers versions stored them as BOOL).
        return fromTensors(config, Safetensors.read(weightsFile, name -> !BUFFER.matcher(stripPrefix(name)).matches()),
                weightsFile.toString());
    }

    private static String stripPrefix(String name) {
        return name.startsWith("transformer.") ? name.substring("transformer.".length()) : name;
    }

    /** Puts named tensors (as a safetensors file holds them) into a parameter block for {@code config}. */
    public static Loaded fromTensors(Gpt2Config config, Map<String, Tensor> tensors, String source) {
        List<String> warnings = new ArrayList<>();
        Map<String, Tensor> byName = new LinkedHashMap<>();
        Tensor lmHead = null;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            String name = stripPrefix(e.getKey());
            if (name.equals("lm_head.weight")) {
                lmHead = e.getValue();
            } else if (BUFFER.matcher(name).matches()) {
                continue; // the causal mask as a buffer; jdpo's attention applies it by construction
            } else if (byName.put(name, e.getValue()) != null) {
                throw new BadInputException(source + ": tensor " + name + " appears both with and without the transformer. prefix");
            }
        }
        Gpt2Params params = new Gpt2Params(config);
        for (Map.Entry<String, Tensor> e : params.named().entrySet()) {
            String name = e.getKey();
            Tensor dst = e.getValue();
            Tensor src = byName.remove(name);
            if (src == null) {
                throw new BadInputException(source + ": tensor " + name + " " + Arrays.toString(dst.shape())
                        + " is missing (config: " + config + ")");
            }
            if (!src.sameShape(dst)) {
                throw new BadInputException(source + ": tensor " + name + " has shape " + Arrays.toString(src.shape())
                        + " but config.json implies " + Arrays.toString(dst.shape()));
            }
            dst.copyFrom(src);
            if (!dst.allFinite()) warnings.add(source + ": tensor " + name + " holds NaN or infinite values");
        }
        for (String extra : byName.keySet()) {
            warnings.add(source + ": ignoring unexpected tensor " + extra);
        }
        if (lmHead != null) {
            if (!lmHead.sameShape(params.wte)) {
                throw new BadInputException(source + ": lm_head.weight has shape " + Arrays.toString(lmHead.shape())
                        + ", expected the shape of wte " + Arrays.toString(params.wte.shape()));
            }
            if (!Arrays.equals(lmHead.toArray(), params.wte.toArray())) {
                warnings.add(source + ": lm_head.weight differs from wte.weight; GPT-2 ties them, so wte is used for both");
            }
        }
        return new Loaded(params, warnings);
    }

    /**
     * Writes {@code config.json} and {@code model.safetensors} into {@code dir} (which must
     * exist). Callers that replace a checkpoint wrap this in {@code AtomicFiles.replaceDirectory}.
     */
    public static void writeInto(Path dir, Gpt2Params params) throws IOException {
        params.config.write(dir.resolve(CONFIG));
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", "pt");
        Safetensors.write(dir.resolve(WEIGHTS), params.named(), metadata);
    }
}
