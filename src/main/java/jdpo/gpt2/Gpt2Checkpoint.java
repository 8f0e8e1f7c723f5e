package jdpo.gpt2;

import jdpo.io.AtomicFiles;
import jdpo.io.BadInputException;
import jdpo.io.Json;
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
 * so it is skipped; a config that unties them, {@code "tie_word_embeddings": false}, with a head
 * that differs from {@code wte}, is refused), and the {@code attn.bias} / {@code attn.masked_bias} buffers older versions
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
        boolean tied = Json.optionalBoolean(Json.readObject(configFile), "tie_word_embeddings", true, configFile.toString());
        return readWeights(config, weightsFile, tied);
    }

    private static String stripPrefix(String name) {
        return name.startsWith("transformer.") ? name.substring("transformer.".length()) : name;
    }

    /**
     * Reads the weights straight into one parameter block (no second copy in memory), checking
     * every tensor's name and shape against the config. The file's header is checked first, so a
     * config that claims a model larger than the file holds is refused before memory is taken.
     *
     * @param tied the config's {@code tie_word_embeddings}: jdpo's GPT-2 uses {@code wte} as the
     *             output head too, so an untied {@code lm_head.weight} that differs from it is refused
     */
    static Loaded readWeights(Gpt2Config config, Path weightsFile, boolean tied) {
        String source = weightsFile.toString();
        checkSize(config, weightsFile);
        Gpt2Params params = new Gpt2Params(config);
        Map<String, Tensor> wanted = params.named();
        Map<String, String> fileNameOf = new LinkedHashMap<>();
        List<String> unexpected = new ArrayList<>();
        // The tied head is compared with wte when that costs little memory; GPT-2 124M's is 150 MB.
        // An untied head is always compared: using wte in its place would give other numbers.
        Tensor[] lmHead = {null};
        Safetensors.readInto(weightsFile, (fileName, shape) -> {
            String name = stripPrefix(fileName);
            if (BUFFER.matcher(name).matches()) return null; // the causal mask; attention applies it by construction
            if (name.equals("lm_head.weight")) {
                if (tied && params.wte.size() > (1 << 22)) return null;
                lmHead[0] = Tensor.zeros(params.wte.shape());
                return lmHead[0];
            }
            Tensor dst = wanted.get(name);
            if (dst == null) {
                unexpected.add(fileName);
                return null;
            }
            String earlier = fileNameOf.put(name, fileName);
            if (earlier != null) {
                throw new BadInputException(source + ": tensor " + name + " appears twice, as " + earlier + " and " + fileName);
            }
            long[] want = Arrays.stream(dst.shape()).asLongStream().toArray();
            if (!Arrays.equals(want, shape)) {
                throw new BadInputException(source + ": tensor " + fileName + " has shape " + Arrays.toString(shape)
                        + " but config.json implies " + Arrays.toString(want));
            }
            return dst;
        });
        for (Map.Entry<String, Tensor> e : wanted.entrySet()) {
            if (!fileNameOf.containsKey(e.getKey())) {
                throw new BadInputException(source + ": tensor " + e.getKey() + " " + Arrays.toString(e.getValue().shape())
                        + " is missing (config: " + config + ")");
            }
            if (!e.getValue().allFinite()) {
                throw new BadInputException(source + ": tensor " + e.getKey() + " holds NaN or infinite values; "
                        + "every result of this model would be NaN");
            }
        }
        List<String> warnings = new ArrayList<>();
        if (!unexpected.isEmpty()) {
            warnings.add(source + ": ignoring " + (unexpected.size() == 1 ? "unexpected tensor " + unexpected.get(0)
                    : unexpected.size() + " unexpected tensors (" + String.join(", ", unexpected.subList(0, Math.min(3, unexpected.size())))
                    + (unexpected.size() > 3 ? ", ..." : "") + ")"));
        }
        boolean headDiffers = lmHead[0] != null && !Arrays.equals(lmHead[0].toArray(), params.wte.toArray());
        if (!tied && headDiffers) {
            throw new BadInputException(source + ": lm_head.weight differs from wte.weight and config.json sets "
                    + "\"tie_word_embeddings\": false; jdpo's GPT-2 uses wte as its output head, so it cannot run this model");
        }
        if (!tied && lmHead[0] == null) {
            throw new BadInputException(source + ": config.json sets \"tie_word_embeddings\": false but there is no "
                    + "lm_head.weight; jdpo's GPT-2 ties the output head to wte");
        }
        if (headDiffers) warnings.add(source + ": lm_head.weight differs from wte.weight; GPT-2 ties them, so wte is used for both");
        return new Loaded(params, warnings);
    }

    /**
     * Refuses, from the header alone, a config that describes a model far larger than the file
     * holds: a config claiming 2e9 parameters over small weights would otherwise take 8 GB and a
     * minute before the first shape check. A file short of a tensor or two is left to the
     * tensor-by-tensor checks, whose messages name the tensor.
     */
    private static void checkSize(Gpt2Config config, Path weightsFile) {
        long inFile = 0;
        for (Map.Entry<String, long[]> e : Safetensors.readShapes(weightsFile).entrySet()) {
            String name = stripPrefix(e.getKey());
            if (BUFFER.matcher(name).matches() || name.equals("lm_head.weight")) continue;
            long n = 1;
            for (long d : e.getValue()) n = d == 0 ? 0 : (n > Long.MAX_VALUE / Math.max(1, d) ? Long.MAX_VALUE : n * d);
            inFile = n > Long.MAX_VALUE - inFile ? Long.MAX_VALUE : inFile + n;
        }
        long want = config.parameterCount();
        if (want / 2 > inFile + (1 << 20)) {
            throw new BadInputException(weightsFile + ": holds " + inFile + " parameters but config.json describes a model of "
                    + (want == Long.MAX_VALUE ? "over 2^63" : Long.toString(want)) + " (" + config + ")");
        }
    }

    /**
     * Writes {@code config.json} and {@code model.safetensors} into {@code dir} (which must
     * exist). Callers that replace a checkpoint wrap this in {@code AtomicFiles.replaceFiles}.
     */
    public static void writeInto(Path dir, Gpt2Params params) throws IOException {
        params.config.write(dir.resolve(CONFIG));
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", "pt");
        Safetensors.write(dir.resolve(WEIGHTS), params.named(), metadata);
    }
}
