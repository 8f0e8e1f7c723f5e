package jdpo.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import jdpo.dpo.ResponseLogProbs;
import jdpo.gpt2.Gpt2Params;
import jdpo.tensor.Kernels;
import jdpo.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;

@Command(name = "logprobs",
        description = {
            "Show log P(response | prompt) token by token.",
            "",
            "A language model gives the probability of the next token given all tokens before it. The "
                + "probability of a whole response is the product P(y1|x) P(y2|x,y1) ...; its log is the "
                + "sum of the token log-probs. DPO compares exactly these sums between two responses. "
                + "Prompt and response are tokenized separately, as TRL did before 1.0 (TRL 1.x gives "
                + "the same ids whenever the response starts a new word, for example with a space)."},
        mixinStandardHelpOptions = true)
final class LogprobsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Hugging Face GPT-2 directory.")
    Path model;

    @Option(names = "--prompt", required = true, paramLabel = "TEXT", description = "The prompt x.")
    String prompt;

    @Option(names = "--response", required = true, paramLabel = "TEXT", description = "The response y to score.")
    String response;

    @Option(names = "--eos", description = "Also score <|endoftext|> after the response (as DPO training does).")
    boolean eos;

    @Option(names = "--json", description = "Print one JSON object instead of the table.")
    boolean json;

    @Mixin
    AdapterOption adapter = new AdapterOption();

    @Mixin
    RuntimeOptions runtime = new RuntimeOptions();

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        Gpt2Params params = ModelLoader.params(model, adapter.dir, err);
        Tokenizer tok = ModelLoader.tokenizer(model, params);
        Kernels kernels = runtime.create();
        try {
            ResponseLogProbs.Result r = ResponseLogProbs.compute(params, kernels, tok, prompt, response, eos);
            for (int j = 0; j < r.logprobs.length; j++) {
                Finite.check(r.logprobs[j], "the log-prob of response token " + j + " (position " + (r.promptIds.length + j) + ")");
            }
            if (json) {
                JsonObject o = new JsonObject();
                JsonArray promptIds = new JsonArray();
                for (int id : r.promptIds) promptIds.add(id);
                o.add("prompt_ids", promptIds);
                JsonArray tokens = new JsonArray();
                for (int j = 0; j < r.responseIds.length; j++) {
                    JsonObject t = new JsonObject();
                    t.addProperty("id", r.responseIds[j]);
                    t.addProperty("text", tok.tokenText(r.responseIds[j]));
                    t.addProperty("logprob", r.logprobs[j]);
                    tokens.add(t);
                }
                o.add("tokens", tokens);
                o.addProperty("sum_logprob", r.sum());
                out.println(o);
            } else {
                printTable(out, tok, r);
            }
            out.flush();
            return 0;
        } finally {
            kernels.parallel().close();
        }
    }

    private void printTable(PrintWriter out, Tokenizer tok, ResponseLogProbs.Result r) {
        out.printf("prompt: %d tokens %s%n", r.promptIds.length, Arrays.toString(r.promptIds));
        out.printf("%n%4s  %-18s %7s  %12s  %10s  %11s%n", "pos", "token", "id", "P(token|...)", "log P", "running sum");
        double running = 0, product = 1;
        for (int j = 0; j < r.responseIds.length; j++) {
            double lp = r.logprobs[j];
            running += lp;
            product *= Math.exp(lp);
            out.printf("%4d  %-18s %7d  %12.6g  %10.4f  %11.4f%n", r.promptIds.length + j,
                    Text.quote(tok.tokenText(r.responseIds[j]), 16), r.responseIds[j], Math.exp(lp), lp, running);
        }
        out.printf("%nlog P(response | prompt) = sum of log P = %.6f%n", r.sum());
        out.printf("P(response | prompt)     = product of P = %.6g  (= exp(sum); long responses underflow"
                + " to 0 in float, which is why DPO works with sums of logs)%n", product);
    }
}
