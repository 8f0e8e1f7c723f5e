package jdpo.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import jdpo.gpt2.Generation;
import jdpo.gpt2.Gpt2Params;
import jdpo.gpt2.Sampler;
import jdpo.io.BadInputException;
import jdpo.tensor.Kernels;
import jdpo.tensor.Rng;
import jdpo.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "generate",
        description = {
            "Sample a continuation of a prompt, one token at a time (with a key/value cache).",
            "",
            "Each step turns the logits into probabilities (softmax of logits / temperature), keeps "
                + "the top-k most likely tokens and the smallest set reaching probability top-p, and draws "
                + "one. Temperature 0 is greedy: always the most likely token. The same --seed gives the "
                + "same text."},
        mixinStandardHelpOptions = true, sortOptions = false)
final class GenerateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Hugging Face GPT-2 directory.")
    Path model;

    @Option(names = "--prompt", required = true, paramLabel = "TEXT", description = "Text to continue.")
    String prompt;

    @Option(names = "--max-new-tokens", defaultValue = "40", paramLabel = "N", description = "Default: ${DEFAULT-VALUE}.")
    int maxNewTokens;

    @Option(names = "--temperature", defaultValue = "1.0", paramLabel = "T", description = "0 = greedy. Default: ${DEFAULT-VALUE}.")
    double temperature;

    @Option(names = "--top-k", defaultValue = "0", paramLabel = "K", description = "Keep the K most likely tokens; 0 keeps all. Default: ${DEFAULT-VALUE}.")
    int topK;

    @Option(names = "--top-p", defaultValue = "1.0", paramLabel = "P", description = "Nucleus sampling mass; 1 keeps all. Default: ${DEFAULT-VALUE}.")
    double topP;

    @Option(names = "--seed", defaultValue = "42", paramLabel = "N", description = "Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--show-probs", description = "Print each sampled token with its probability.")
    boolean showProbs;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Mixin
    AdapterOption adapter = new AdapterOption();

    @Mixin
    RuntimeOptions runtime = new RuntimeOptions();

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        if (maxNewTokens < 1) throw new BadInputException("--max-new-tokens must be at least 1, got " + maxNewTokens);
        if (!(temperature >= 0) || Double.isInfinite(temperature)) throw new BadInputException("--temperature must be >= 0, got " + temperature);
        if (topK < 0) throw new BadInputException("--top-k must be >= 0, got " + topK);
        if (!(topP > 0 && topP <= 1)) throw new BadInputException("--top-p must be in (0, 1], got " + topP);
        Kernels kernels = runtime.create();
        try {
            Gpt2Params params = ModelLoader.params(model, adapter.dir, err);
            Tokenizer tok = ModelLoader.tokenizer(model, params);
            int[] promptIds = tok.encode(prompt);
            if (promptIds.length == 0) promptIds = new int[] {tok.eosId()};
            if (promptIds.length >= params.config.nPositions) {
                throw new BadInputException("--prompt: " + promptIds.length + " tokens leave no room in the model's "
                        + params.config.nPositions + " positions");
            }
            Sampler sampler = new Sampler(temperature, topK, topP, params.config.vocabSize);
            Generation g = Generation.run(params, kernels, promptIds, maxNewTokens, sampler, new Rng(seed), tok.eosId());
            double[] drawn = g.probs();
            for (int i = 0; i < drawn.length; i++) Finite.check(drawn[i], "the probability of generated token " + i);
            // <|endoftext|> ends the text; it is listed with --show-probs and in --json, not printed as text
            String text = tok.decode(g.textIds());
            if (json) {
                JsonObject o = new JsonObject();
                o.addProperty("prompt", prompt);
                o.addProperty("completion", text);
                JsonArray ids = new JsonArray();
                for (int id : g.newIds()) ids.add(id);
                o.add("ids", ids);
                JsonArray probs = new JsonArray();
                for (double p : g.probs()) probs.add(p);
                o.add("probs", probs);
                out.println(o);
            } else if (showProbs) {
                out.println(prompt);
                for (int i = 0; i < g.newIds().length; i++) {
                    out.printf(Locale.ROOT, "  %-20s p=%.4f%n", Text.quote(tok.tokenText(g.newIds()[i]), 18), g.probs()[i]);
                }
                out.println(prompt + text);
            } else {
                out.println(prompt + text);
            }
            out.flush();
            return 0;
        } finally {
            kernels.parallel().close();
        }
    }
}
