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
import jdpo.tensor.Kernels;
import jdpo.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
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
        if (batchSize < 1) throw new jdpo.io.BadInputException("--batch-size must be at least 1, got " + batchSize);
        Kernels kernels = runtime.create();
        try {
            Gpt2Params base = ModelLoader.params(model, err);
            // With --adapter the default reference is the base model, as in LoRA training.
            Gpt2Params policyParams = adapter.dir == null ? base
                    : jdpo.lora.LoraMerge.merged(base, jdpo.lora.PeftAdapter.read(adapter.dir, base.config));
            Tokenizer tok = ModelLoader.tokenizer(model, policyParams);
            boolean average = dpo.averageLogps || dpo.lossType().averagesLogps();
            Reference ref = dpo.referenceFree ? Reference.NONE
                    : new ModelReference(dpo.refModel != null ? ModelLoader.params(dpo.refModel, err) : base, kernels, average,
                    dpo.refModel != null ? dpo.refModel.toString() : adapter.dir != null ? model + " without the adapter" : "the policy itself");
            DpoStep step = new DpoStep(Gpt2.frozen(policyParams, kernels), ref, dpo.loss(), average, null);
            PairEncoder encoder = new PairEncoder(tok, dpo.maxLength, dpo.maxPromptLength, policyParams.config.nPositions);
            List<PreferencePair> pairs = PreferenceData.read(data);
            if (!json) {
                out.printf("%-18s %12s %12s %12s %12s %10s %10s %9s%n", "pair", "logp chosen", "logp reject",
                        "ref chosen", "ref reject", "reward c", "reward r", "loss");
            }
            double lossSum = 0, accSum = 0, marginSum = 0;
            int truncated = 0;
            for (int from = 0; from < pairs.size(); from += batchSize) {
                int to = Math.min(pairs.size(), from + batchSize);
                List<EncodedPair> enc = new ArrayList<>();
                for (PreferencePair p : pairs.subList(from, to)) {
                    EncodedPair e = encoder.encode(p);
                    if (e.truncated) truncated++;
                    enc.add(e);
                }
                int[] ids = new int[to - from];
                for (int i = 0; i < ids.length; i++) ids[i] = from + i;
                DpoStep.Result r = step.run(new PreferenceBatch(enc, tok.eosId()), ids, false, 0);
                for (int i = 0; i < ids.length; i++) {
                    // The loss of what the loss reads; rewards of the summed log-probs (they differ for IPO).
                    PairLoss pl = r.loss.pairs()[i], rw = r.rewards.pairs()[i];
                    lossSum += pl.loss();
                    marginSum += rw.margin();
                    if (rw.rewardCorrect()) accSum++;
                    if (json) {
                        JsonObject o = new JsonObject();
                        o.addProperty("pair", pairs.get(from + i).source);
                        o.addProperty("logps/chosen", r.policyChosenLogps[i]);
                        o.addProperty("logps/rejected", r.policyRejectedLogps[i]);
                        o.addProperty("ref_logps/chosen", r.refChosenLogps[i]);
                        o.addProperty("ref_logps/rejected", r.refRejectedLogps[i]);
                        o.addProperty("rewards/chosen", rw.chosenReward());
                        o.addProperty("rewards/rejected", rw.rejectedReward());
                        o.addProperty("loss", pl.loss());
                        out.println(o);
                    } else {
                        out.printf(Locale.ROOT, "%-18s %12.4f %12.4f %12.4f %12.4f %10.4f %10.4f %9.5f%n",
                                Text.quote(pairs.get(from + i).source.replaceAll(".*[/\\\\]", ""), 16),
                                r.policyChosenLogps[i], r.policyRejectedLogps[i], r.refChosenLogps[i], r.refRejectedLogps[i],
                                rw.chosenReward(), rw.rejectedReward(), pl.loss());
                    }
                }
            }
            int n = pairs.size();
            if (truncated > 0) err.println("warning: " + data + ": " + truncated + " of " + n + " pairs truncated to fit");
            if (json) {
                JsonObject s = new JsonObject();
                s.addProperty("summary", true);
                s.addProperty("pairs", n);
                s.addProperty("loss", lossSum / n);
                s.addProperty("rewards/accuracies", accSum / n);
                s.addProperty("rewards/margins", marginSum / n);
                out.println(s);
            } else {
                out.printf(Locale.ROOT, "%n%d pairs: mean loss %.6f, reward accuracy %.3f, mean margin %.5f (%s, beta %s)%n",
                        n, lossSum / n, accSum / n, marginSum / n, dpo.lossType().trlName(), dpo.beta);
            }
            out.flush();
            return 0;
        } finally {
            kernels.parallel().close();
        }
    }
}
