package jdpo.dpo;

import jdpo.gpt2.Gpt2;
import jdpo.gpt2.Gpt2Params;
import jdpo.io.BadInputException;
import jdpo.nn.TokenLogProbs;
import jdpo.tensor.Kernels;
import jdpo.tensor.Tensor;
import jdpo.tokenizer.Tokenizer;

import java.util.Arrays;

/**
 * A response scored token by token: log P(y_j | x, y_1..y_{j-1}) for each token y_j of the
 * response given prompt x, from one forward pass over {@code ids(prompt) ++ ids(response)}; their
 * sum is the sequence log-prob log P(y | x) that DPO compares (what {@code jdpo logprobs} prints).
 */
public final class ResponseLogProbs {
    private ResponseLogProbs() {}

    /** Token ids and their log-probs. */
    public static final class Result {
        public final int[] promptIds;
        public final int[] responseIds;
        public final double[] logprobs;

        Result(int[] promptIds, int[] responseIds, double[] logprobs) {
            this.promptIds = promptIds;
            this.responseIds = responseIds;
            this.logprobs = logprobs;
        }

        /** log P(response | prompt). */
        public double sum() {
            double s = 0;
            for (double lp : logprobs) s += lp;
            return s;
        }
    }

    public static Result compute(Gpt2Params params, Kernels kernels, Tokenizer tok, String prompt, String response, boolean eos) {
        int[] promptIds = tok.encode(prompt);
        if (promptIds.length == 0) promptIds = new int[] {tok.eosId()}; // nothing to predict from: start at <|endoftext|>
        int[] responseIds = tok.encode(response);
        if (eos) {
            responseIds = Arrays.copyOf(responseIds, responseIds.length + 1);
            responseIds[responseIds.length - 1] = tok.eosId();
        }
        if (responseIds.length == 0) throw new BadInputException("--response: the response is empty; nothing to score");
        return compute(params, kernels, promptIds, responseIds);
    }

    public static Result compute(Gpt2Params params, Kernels kernels, int[] promptIds, int[] responseIds) {
        int T = promptIds.length + responseIds.length;
        if (T > params.config.nPositions) {
            throw new BadInputException("prompt + response is " + T + " tokens, more than the model's n_positions "
                    + params.config.nPositions);
        }
        int[] ids = new int[T];
        System.arraycopy(promptIds, 0, ids, 0, promptIds.length);
        System.arraycopy(responseIds, 0, ids, promptIds.length, responseIds.length);
        int[] targets = new int[T];
        Arrays.fill(targets, -1);
        TokenLogProbs.nextTokenTargets(ids, targets, promptIds.length - 1, T);
        for (int id : ids) {
            if (id >= params.config.vocabSize) {
                throw new BadInputException("token id " + id + " is outside the model's vocabulary of " + params.config.vocabSize);
            }
        }
        Tensor logits = Gpt2.frozen(params, kernels).forward(ids, 1, T);
        SequenceLogProbs sequence = new SequenceLogProbs(false);
        sequence.forward(kernels, logits, targets, 1, T);
        double[] tokenLogps = new double[responseIds.length];
        // Response token j is predicted at the position before it.
        for (int j = 0; j < responseIds.length; j++) tokenLogps[j] = sequence.tokenLogps()[promptIds.length + j - 1];
        return new Result(promptIds, responseIds, tokenLogps);
    }
}
