package jdpo.cli;

import com.google.gson.JsonObject;
import jdpo.dpo.DpoStep;
import jdpo.dpo.EncodedPair;
import jdpo.dpo.ModelReference;
import jdpo.dpo.PairEncoder;
import jdpo.dpo.PairLoss;
import jdpo.dpo.PreferenceBatch;
import jdpo.dpo.PreferenceData;
import jdpo.dpo.PreferencePair;
import jdpo.dpo.Reference;
import jdpo.gpt2.Gpt2;
import jdpo.gpt2.Gpt2Params;
import jdpo.io.BadInputException;
import jdpo.lora.LoraMerge;
import jdpo.lora.PeftAdapter;
import jdpo.tensor.Kernels;
import jdpo.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "score",
        description = {
            "Score preference pairs: policy and reference log-probs, implied rewards and the DPO "
                + "loss.",
            "",
            "The implied reward of a response is beta * (log pi(y|x) - log pi_ref(y|x)): how much "
                + "more likely the policy makes it than the reference does. DPO wants the chosen reward "
                + "above the rejected one; the loss is -log sigmoid(chosen reward - rejected reward)."},
        mixinStandardHelpOptions = true, sortOptions = false)
final class ScoreCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "The policy (Hugging Face GPT-2 directory).")
    Path model;

    @Option(names = "--data", required = true, paramLabel = "FILE", description = "Pairs, JSON lines with prompt, chosen, rejected (or only chosen and rejected, both starting with the prompt, as TRL reads them).")
    Path data;

    @Mixin
    DpoOptions dpo = new DpoOptions();

    @Option(names = "--batch-size", defaultValue = "8", paramLabel = "PAIRS", description = "Pairs per forward pass. Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--json", description = "One JSON object per pair, then a summary object.")
    boolean json;

    @Mixin
    AdapterOption adapter = new AdapterOption();

    @Mixin
    RuntimeOptions runtime = new RuntimeOptions();

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        dpo.validate();
        if (batchSize < 1) throw new BadInputException("--batch-size must be at least 1, got " + batchSize);
        Limits.atMost("--batch-size", batchSize, Limits.MAX_BATCH);
        Kernels kernels = runtime.create();
        try {
            Gpt2Params base = ModelLoader.params(model, err);
            Gpt2Params policyParams = adapter.dir == null ? base
                    : LoraMerge.merged(base, PeftAdapter.read(adapter.dir, base.config));
            Tokenizer tok = ModelLoader.tokenizer(model, policyParams);
            DpoStep step = scoringStep(policyParams, base, kernels, err);
            PairEncoder encoder = new PairEncoder(tok, dpo.maxLength, dpo.maxPromptLength, policyParams.config.nPositions,
                    dpo.tokenizationMode());
            dpo.warnings(err);
            List<PreferencePair> read = PreferenceData.read(data);
            PairEncoder.Encoded encoded = encoder.encodeAll(read);
            dpo.reportLengths(encoded, read.size(), encoder, data, err);
            List<PreferencePair> pairs = encoded.texts();
            if (pairs.isEmpty()) throw new BadInputException(data + ": every pair was dropped: each prompt alone fills --max-length");
            if (!json) {
                out.printf("%-18s %12s %12s %12s %12s %10s %10s %9s%n", "pair", "logp chosen", "logp reject",
                        "ref chosen", "ref reject", "reward c", "reward r", "loss");
            }
            Totals totals = new Totals();
            for (int from = 0; from < pairs.size(); from += batchSize) {
                int to = Math.min(pairs.size(), from + batchSize);
                scoreBatch(step, encoded.pairs().subList(from, to), tok, pairs, from, totals, out);
            }
            printSummary(out, totals, pairs.size());
            out.flush();
            return 0;
        } finally {
            kernels.parallel().close();
        }
    }

    /** A forward-only DPO step of the policy against the reference (none, another model, or the policy itself). */
    /** @param base the model without --adapter: the default reference when there is one, as in LoRA training */
    private DpoStep scoringStep(Gpt2Params policyParams, Gpt2Params base, Kernels kernels, PrintWriter err) {
        boolean average = dpo.averageLogps || dpo.lossType().averagesLogps();
        Reference ref = dpo.referenceFree ? Reference.NONE
                : new ModelReference(dpo.refModel != null ? ModelLoader.params(dpo.refModel, err) : base, kernels, average,
                dpo.refModel != null ? dpo.refModel.toString() : adapter.dir != null ? model + " without the adapter" : "the policy itself");
        return new DpoStep(Gpt2.frozen(policyParams, kernels), ref, dpo.loss(), average, null);
    }

    /** Sums over the pairs scored so far, for the summary. */
    private static final class Totals {
        double loss, accuracy, margin;
    }

    /** Scores the encoded pairs {@code enc} (pairs {@code from} on) in one forward pass and prints a line (or a JSON object) per pair. */
    private void scoreBatch(DpoStep step, List<EncodedPair> enc, Tokenizer tok, List<PreferencePair> pairs, int from,
                            Totals totals, PrintWriter out) {
        int[] ids = new int[enc.size()];
        for (int i = 0; i < ids.length; i++) ids[i] = from + i;
        DpoStep.Result r = step.run(new PreferenceBatch(enc, tok.eosId()), ids, false, 0);
        for (int i = 0; i < ids.length; i++) {
            // The loss of what the loss reads; rewards of the summed log-probs (they differ for IPO).
            PairLoss pl = r.loss.pairs()[i], rw = r.rewards.pairs()[i];
            String source = pairs.get(from + i).source;
            JsonObject o = new JsonObject();
            o.addProperty("pair", source);
            o.addProperty("logps/chosen", r.policyChosenLogps[i]);
            o.addProperty("logps/rejected", r.policyRejectedLogps[i]);
            o.addProperty("ref_logps/chosen", r.refChosenLogps[i]);
            o.addProperty("ref_logps/rejected", r.refRejectedLogps[i]);
            o.addProperty("rewards/chosen", rw.chosenReward());
            o.addProperty("rewards/rejected", rw.rejectedReward());
            o.addProperty("loss", pl.loss());
            Finite.json(o, source);
            totals.loss += pl.loss();
            totals.margin += rw.rewardMargin();
            if (rw.rewardCorrect()) totals.accuracy++;
            if (json) {
                out.println(o);
            } else {
                out.printf(Locale.ROOT, "%-18s %12.4f %12.4f %12.4f %12.4f %10.4f %10.4f %9.5f%n",
                        Text.quote(source.replaceAll(".*[/\\\\]", ""), 16),
                        r.policyChosenLogps[i], r.policyRejectedLogps[i], r.refChosenLogps[i], r.refRejectedLogps[i],
                        rw.chosenReward(), rw.rejectedReward(), pl.loss());
            }
        }
    }

    private void printSummary(PrintWriter out, Totals t, int n) {
        if (json) {
            JsonObject s = new JsonObject();
            s.addProperty("summary", true);
            s.addProperty("pairs", n);
            s.addProperty("loss", t.loss / n);
            s.addProperty("rewards/accuracies", t.accuracy / n);
            s.addProperty("rewards/margins", t.margin / n);
            out.println(Finite.json(s, "summary"));
        } else {
            out.printf(Locale.ROOT, "%n%d pairs: mean loss %.6f, reward accuracy %.3f, mean margin %.5f (%s, beta %s)%n",
                    n, t.loss / n, t.accuracy / n, t.margin / n, dpo.lossType().trlName(), dpo.beta);
        }
    }
}
