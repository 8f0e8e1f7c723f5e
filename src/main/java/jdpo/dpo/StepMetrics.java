package jdpo.dpo;

import com.google.gson.JsonObject;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The numbers logged for one optimizer step (or one evaluation), under TRL's names:
 * {@code loss}, {@code rewards/chosen}, {@code rewards/rejected}, {@code rewards/accuracies},
 * {@code rewards/margins}, {@code logps/chosen}, {@code logps/rejected}, {@code logits/chosen},
 * {@code logits/rejected}, {@code grad_norm}, {@code learning_rate}, and the three that TRL 1.x
 * logs besides: {@code entropy} (mean entropy of the policy's next-token distribution over the
 * scored positions), {@code mean_token_accuracy} (how often a chosen response's token is the
 * policy's arg-max) and {@code num_tokens} (prompt and response tokens trained on so far); plus
 * {@code step}, {@code epoch}, {@code step_time_s} and {@code tokens_per_s}.
 */
public final class StepMetrics {
    private final Map<String, Double> values = new LinkedHashMap<>();

    public StepMetrics put(String name, double value) {
        values.put(name, value);
        return this;
    }

    public double get(String name) {
        Double v = values.get(name);
        if (v == null) throw new IllegalArgumentException("no metric " + name);
        return v;
    }

    public boolean has(String name) {
        return values.containsKey(name);
    }

    public Map<String, Double> asMap() {
        return Collections.unmodifiableMap(values);
    }

    /** One JSON object; {@code step} is written as an integer. */
    public JsonObject toJson() {
        JsonObject o = new JsonObject();
        for (Map.Entry<String, Double> e : values.entrySet()) {
            double v = e.getValue();
            if ((e.getKey().equals("step") || e.getKey().endsWith("tokens")) && v == Math.rint(v)) o.addProperty(e.getKey(), (long) v);
            else o.addProperty(e.getKey(), v);
        }
        return o;
    }

    /** Sums of batch results, averaged over batches, for multi-batch steps and evaluations. */
    static final class Accumulator {
        private double loss, dpoLoss, rewardsChosen, rewardsRejected, rewardsAccuracy, rewardsMargin;
        private double logpsChosen, logpsRejected, logitsChosen, logitsRejected, entropy, tokenAccuracy;
        private int batches, tokens;

        void add(DpoStep.Result r) {
            loss += r.totalLoss;
            dpoLoss += r.loss.loss();
            rewardsChosen += r.rewards.rewardsChosen();
            rewardsRejected += r.rewards.rewardsRejected();
            rewardsAccuracy += r.rewards.rewardsAccuracy();
            rewardsMargin += r.rewards.rewardsMargin();
            logpsChosen += mean(r.policyChosenLogps);
            logpsRejected += mean(r.policyRejectedLogps);
            logitsChosen += r.meanChosenLogits;
            logitsRejected += r.meanRejectedLogits;
            entropy += r.entropy;
            tokenAccuracy += r.chosenTokenAccuracy;
            tokens += r.tokens;
            batches++;
        }

        int tokens() {
            return tokens;
        }

        StepMetrics into(StepMetrics m, String prefix) {
            double n = Math.max(1, batches);
            m.put(prefix + "loss", loss / n);
            // With an RPO term the logged loss includes it (as TRL logs it); its DPO part, which
            // starts at ln 2, is logged beside it.
            if (dpoLoss != loss) m.put(prefix + "dpo_loss", dpoLoss / n);
            return m
                    .put(prefix + "rewards/chosen", rewardsChosen / n)
                    .put(prefix + "rewards/rejected", rewardsRejected / n)
                    .put(prefix + "rewards/accuracies", rewardsAccuracy / n)
                    .put(prefix + "rewards/margins", rewardsMargin / n)
                    .put(prefix + "logps/chosen", logpsChosen / n)
                    .put(prefix + "logps/rejected", logpsRejected / n)
                    .put(prefix + "logits/chosen", logitsChosen / n)
                    .put(prefix + "logits/rejected", logitsRejected / n)
                    .put(prefix + "entropy", entropy / n)
                    .put(prefix + "mean_token_accuracy", tokenAccuracy / n);
        }

        private static double mean(double[] a) {
            double s = 0;
            for (double v : a) s += v;
            return a.length == 0 ? 0 : s / a.length;
        }
    }
}
