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
 * its reward, whether it is well-formed (one of {@link ReviewWorld}'s continuations, ended by
 * {@code <|endoftext|>}), and its log-probability under the model and under a reference.
 */
public final class Samples {
    private Samples() {}

    private static final ReviewWorld WORLD = new ReviewWorld();

    /**
     * One sampled continuation of {@code tokens} tokens ({@code <|endoftext|>} included when it
     * was sampled); {@code logp} and {@code refLogp} are summed over those tokens.
     */
    public record Sample(String prompt, String continuation, double reward, boolean wellFormed, int tokens,
                         double logp, double refLogp) {
        /** log pi(y|x) - log pi_ref(y|x): one draw of the KL estimate. */
        public double logRatio() {
            return logp - refLogp;
        }
    }

    /**
     * Samples {@code perPrompt} continuations of every prompt (at most {@code maxNewTokens}, up to
     * and including {@code <|endoftext|>}), scores them with {@code reward}, and computes their
     * log-prob under {@code reference}; a null reference means the model is its own reference.
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
                double refLogp = logp;
                if (reference != null && ids.length > 0) {
                    refLogp = ResponseLogProbs.compute(reference, kernels, promptIds, ids).sum();
                }
                String text = tok.decode(g.textIds());
                boolean ended = g.textIds().length < ids.length;
                boolean wellFormed = ended && WORLD.isContinuation(text);
                out.add(new Sample(prompt, text, reward.reward(text), wellFormed, ids.length, logp, refLogp));
            }
        }
        return out;
    }

    public static double meanReward(List<Sample> samples) {
        return samples.stream().mapToDouble(Sample::reward).average().orElse(Double.NaN);
    }

    /** The fraction of samples that are well-formed reviews. */
    public static double wellFormedRate(List<Sample> samples) {
        return samples.stream().mapToDouble(x -> x.wellFormed() ? 1 : 0).average().orElse(Double.NaN);
    }

    /**
     * Log-prob per token under the reference, sum of log pi_ref(y|x) / sum of |y|: how natural the
     * reference finds the text (its perplexity is exp of minus this).
     */
    public static double refLogprobPerToken(List<Sample> samples) {
        double logp = 0;
        long tokens = 0;
        for (Sample x : samples) {
            logp += x.refLogp();
            tokens += x.tokens();
        }
        return logp / tokens;
    }

    /** KL(pi || pi_ref) estimated as the mean of log pi(y|x) - log pi_ref(y|x) over y drawn from pi. */
    public static double klEstimate(List<Sample> samples) {
        return samples.stream().mapToDouble(Sample::logRatio).average().orElse(Double.NaN);
    }
}
