package jdpo.demo;

import jdpo.dpo.PreferencePair;
import jdpo.gpt2.Gpt2Params;
import jdpo.tensor.Kernels;
import jdpo.tensor.Rng;
import jdpo.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * Preference pairs as the DPO paper makes them for its sentiment experiment: sample several
 * continuations of each prompt from the base model, rank them by the reward, and pair the best
 * (chosen) with the worst (rejected). Prompts whose samples all score the same give no pair.
 */
public final class PairMaker {
    private PairMaker() {}

    public static List<PreferencePair> make(Gpt2Params base, Kernels kernels, Tokenizer tok, List<String> prompts,
                                            int samplesPerPrompt, int maxNewTokens, SentimentReward reward, Rng rng) {
        if (samplesPerPrompt < 2) throw new IllegalArgumentException("a pair needs at least 2 samples per prompt");
        List<PreferencePair> pairs = new ArrayList<>();
        for (String prompt : prompts) {
            List<Samples.Sample> s = Samples.draw(base, null, kernels, tok, List.of(prompt), samplesPerPrompt,
                    maxNewTokens, reward, rng);
            Samples.Sample best = s.get(0), worst = s.get(0);
            for (Samples.Sample x : s) {
                if (x.reward() > best.reward()) best = x;
                if (x.reward() < worst.reward()) worst = x;
            }
            if (best.reward() > worst.reward() && !best.continuation().isEmpty() && !worst.continuation().isEmpty()) {
                pairs.add(new PreferencePair(prompt, best.continuation(), worst.continuation(), "sampled"));
            }
        }
        return pairs;
    }
}
