package jdpo.dpo;

import jdpo.gpt2.Gpt2;
import jdpo.gpt2.Gpt2Params;
import jdpo.io.BadInputException;
import jdpo.nn.TokenLogProbs;
import jdpo.tensor.Kernels;
import jdpo.tensor.Tensor;
import jdpo.tokenizer.Tokenizer;

/**
 * The seed's "process in detail": log P(y_j | x, y_1..y_{j-1}) for each token of a response,
 * from one forward pass over {@code ids(prompt) ++ ids(response)}.
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
        int[] resp = tok.encode(response);
        if (eos) {
            resp = java.util.Arrays.copyOf(resp, resp.length + 1);
            resp[resp.length - 1] = tok.eosId();
        }
        if (resp.length == 0) throw new BadInputException("--response: the response is empty; nothing to score");
        return compute(params, kernels, promptIds, resp);
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
        java.util.Arrays.fill(targets, -1);
        TokenLogProbs.nextTokenTargets(ids, targets, promptIds.length - 1, T);
        for (int id : ids) {
            if (id >= params.config.vocabSize) {
                throw new BadInputException("token id " + id + " is outside the model's vocabulary of " + params.config.vocabSize);
            }
        }
        Tensor logits = Gpt2.frozen(params, kernels).forward(ids, 1, T);
        SequenceLogProbs seq = new SequenceLogProbs(false);
        seq.forward(kernels.parallel(), logits, targets, 1, T);
        double[] lp = new double[responseIds.length];
        for (int j = 0; j < responseIds.length; j++) lp[j] = seq.tokenLogps()[promptIds.length + j - 1];
        return new Result(promptIds, responseIds, lp);
    }
}
