package jdpo.demo;

import com.google.gson.JsonObject;

import java.util.List;

/**
 * What a set of sampled continuations says about the model that wrote them: the four numbers the
 * demo reports before, during and after DPO.
 *
 * <pre>
 *   reward                 mean lexicon reward, in [-1, 1]                       (what DPO optimizes)
 *   wellFormed             fraction that are reviews of the world's grammar      (is it still language?)
 *   kl                     mean of log pi(y|x) - log pi_ref(y|x), y ~ pi          (nats per continuation)
 *   refLogprobPerToken     sum log pi_ref(y|x) / sum |y|                          (the reference's view)
 * </pre>
 *
 * @param step the DPO step after which the samples were drawn (0: the base model)
 */
public record Evaluation(int step, double reward, double wellFormed, double kl, double refLogprobPerToken) {

    public static Evaluation of(int step, List<Samples.Sample> samples) {
        return new Evaluation(step, Samples.meanReward(samples), Samples.wellFormedRate(samples),
                Samples.klEstimate(samples), Samples.refLogprobPerToken(samples));
    }

    /** One line of eval.jsonl. */
    public JsonObject toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("step", step);
        o.addProperty("reward", reward);
        o.addProperty("well_formed", wellFormed);
        o.addProperty("kl", kl);
        o.addProperty("ref_logprob_per_token", refLogprobPerToken);
        return o;
    }
}
