package jdpo.demo;

import jdpo.dpo.ResponseLogProbs;
import jdpo.gpt2.Generation;
import jdpo.gpt2.Gpt2Params;
import jdpo.gpt2.Sampler;
import jdpo.tensor.Kernels;
import jdpo.tensor.Rng;
import jdpo.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * Continuations sampled from a model at temperature 1 (the model's own distribution), each with
 * its reward and its log-probability under the model and, optionally, under a reference.
 */
public final class Samples {
    private Samples() {}

    /** One sampled continuation. */
    public record Sample(String prompt, String continuation, double reward, double logp, double refLogp) {
        /** log pi(y|x) - log pi_ref(y|x): one draw of the KL estimate. */
        public double logRatio() {
            return logp - refLogp;
        }
    }

    /**
     * Samples {@code perPrompt} continuations of every prompt (at most {@code maxNewTokens}, up to
     * and including {@code <|endoftext|>}), scores them with {@code reward}, and when
     * {@code reference} is given also computes their log-prob under it.
     */
    public static List<Sample> draw(Gpt2Params model, Gpt2Params reference, Kernels kernels, Tokenizer tok, List<String> prompts,
                             int perPrompt, int maxNewTokens, SentimentReward reward, Rng rng) {
        Sampler sampler = new Sampler(1.0, 0, 1.0, model.config.vocabSize);
        List<Sample> out = new ArrayList<>();
        for (String prompt : prompts) {
            int[] promptIds = tok.encode(prompt);
            for (int s = 0; s < perPrompt; s++) {
                Generation g = Generation.run(model, kernels, promptIds, maxNewTokens, sampler, rng, tok.eosId());
                int[] ids = g.newIds();
                double logp = 0;
                for (double p : g.probs()) logp += Math.log(p);
                double refLogp = Double.NaN;
                if (reference != null && ids.length > 0) {
                    refLogp = ResponseLogProbs.compute(reference, kernels, promptIds, ids).sum();
                }
                String text = tok.decode(g.textIds());
                out.add(new Sample(prompt, text, reward.reward(text), logp, refLogp));
            }
        }
        return out;
    }

    public static double meanReward(List<Sample> samples) {
        return samples.stream().mapToDouble(Sample::reward).average().orElse(Double.NaN);
    }

    /** KL(pi || pi_ref) estimated as the mean of log pi(y|x) - log pi_ref(y|x) over y drawn from pi. */
    public static double klEstimate(List<Sample> samples) {
        return samples.stream().mapToDouble(Sample::logRatio).average().orElse(Double.NaN);
    }
}
