package jdpo.dpo;

import jdpo.gpt2.Gpt2;
import jdpo.gpt2.Gpt2Params;
import jdpo.tensor.Kernels;
import jdpo.tensor.Tensor;

import java.util.Arrays;

/**
 * A frozen model as the reference: a forward pass per batch, no gradients, no optimizer state.
 *
 * <p>It reads the batch a few rows at a time, at most {@value #TOKENS_PER_FORWARD} tokens per
 * forward (and at least one row): its logits, {@code [rows, T, 50257]} at GPT-2 size, are needed
 * only until their log-probs are taken, so at long sequences they never exist for the whole batch
 * at once. A row's numbers do not depend on which rows share its forward (every row is computed
 * alone, in the same order), so the log-probs are the same bits as one forward over the batch.
 */
public final class ModelReference implements Reference {
    /** Tokens per forward: 512 is a whole batch of 4 rows at 128 tokens, 1 row at 1024. */
    static final int TOKENS_PER_FORWARD = 512;

    private final Gpt2 model;
    private final SequenceLogProbs logps;
    private final String description;
    private final int tokensPerForward;

    public ModelReference(Gpt2Params params, Kernels kernels, boolean averageLogps, String description) {
        this(params, kernels, averageLogps, description, TOKENS_PER_FORWARD);
    }

    /** With another number of tokens per forward: tests read a batch one row at a time. */
    ModelReference(Gpt2Params params, Kernels kernels, boolean averageLogps, String description, int tokensPerForward) {
        this.model = Gpt2.frozen(params, kernels);
        this.logps = new SequenceLogProbs(averageLogps);
        this.description = description;
        this.tokensPerForward = tokensPerForward;
    }

    @Override
    public double[] logps(PreferenceBatch batch, int[] pairIds) {
        int T = batch.T, rowsPerForward = Math.max(1, tokensPerForward / T);
        double[] out = new double[batch.rows];
        for (int from = 0; from < batch.rows; from += rowsPerForward) {
            int to = Math.min(batch.rows, from + rowsPerForward), n = to - from;
            int[] ids = Arrays.copyOfRange(batch.ids, from * T, to * T);
            int[] targets = Arrays.copyOfRange(batch.targets, from * T, to * T);
            Tensor logits = model.forward(ids, n, T);
            System.arraycopy(logps.forward(model.kernels(), logits, targets, n, T), 0, out, from, n);
        }
        return out;
    }

    @Override
    public String describe() {
        return description;
    }
}
