package jdpo.dpo;

import jdpo.nn.TokenLogProbs;
import jdpo.tensor.Kernels;
import jdpo.tensor.Tensor;

import java.util.Arrays;

/**
 * log P(y | x) of each row's response: the sum over response tokens (eos included) of
 * log softmax(logits[t-1])[y_t], which is the log of the product P(y_1|x) P(y_2|x,y_1) ...
 *
 * <p>With {@code average} the per-token mean is used instead (TRL's IPO convention); beta then
 * scales a per-token log-ratio rather than a whole-sequence one.
 */
public final class SequenceLogProbs {
    private final boolean average;
    private float[] tokenLogps = new float[0];
    private float[] dTokenLogps = new float[0];
    /** Each position's log-sum-exp over the vocabulary, from the forward, for the backward. */
    private double[] logSumExps = new double[0];

    public SequenceLogProbs(boolean average) {
        this.average = average;
    }

    public boolean average() {
        return average;
    }

    /**
     * Per-row log-probs for logits {@code [rows, T, V]} and next-token {@code targets [rows*T]}
     * (-1 = not scored), the exponentials and threads from {@code k}.
     *
     * @return {@code [rows]} sums (or means) of the scored token log-probs, in double
     */
    public double[] forward(Kernels k, Tensor logits, int[] targets, int rows, int T) {
        ensure(rows * T);
        TokenLogProbs.forward(k, tokenLogps, logSumExps, logits, targets);
        double[] out = new double[rows];
        for (int r = 0; r < rows; r++) {
            double sum = 0;
            int n = 0;
            for (int t = 0; t < T; t++) {
                if (targets[r * T + t] >= 0) {
                    sum += tokenLogps[r * T + t];
                    n++;
                }
            }
            out[r] = average && n > 0 ? sum / n : sum;
        }
        return out;
    }

    /** The per-token log-probs of the last {@link #forward}, {@code [rows*T]}, 0 where not scored. */
    public float[] tokenLogps() {
        return tokenLogps;
    }

    /**
     * Accumulates d loss / d logits given d loss / d (row log-prob): every scored token of row r
     * gets the row's gradient (divided by the token count when averaging), plus
     * {@code dEachToken[r]} when given (a per-token term such as RPO's NLL; may be null).
     * {@code logits} must be those of the last {@link #forward}, whose log-sum-exps it reuses.
     */
    public void backward(Kernels k, Tensor dlogits, Tensor logits, int[] targets, double[] dRowLogps,
                         double[] dEachToken, int rows, int T) {
        tokenGradients(targets, dRowLogps, dEachToken, rows, T);
        TokenLogProbs.backward(k, dlogits, logits, targets, dTokenLogps, logSumExps);
    }

    /** The same gradient written over {@code logits} ({@link TokenLogProbs#backwardOverLogits}). */
    public void backwardOverLogits(Kernels k, Tensor logits, int[] targets, double[] dRowLogps,
                                   double[] dEachToken, int rows, int T) {
        tokenGradients(targets, dRowLogps, dEachToken, rows, T);
        TokenLogProbs.backwardOverLogits(k, logits, targets, dTokenLogps, logSumExps);
    }

    /** d loss / d (each token's log-prob) into {@code dTokenLogps}. */
    private void tokenGradients(int[] targets, double[] dRowLogps, double[] dEachToken, int rows, int T) {
        ensure(rows * T);
        Arrays.fill(dTokenLogps, 0f);
        for (int r = 0; r < rows; r++) {
            int n = 0;
            for (int t = 0; t < T; t++) if (targets[r * T + t] >= 0) n++;
            // In the forward this was: out[r] = sum over scored t of tokenLogps[r, t] (divided by n
            // when averaging); so now each scored token gets dTokenLogps[r, t] = dRowLogps[r] (/ n),
            // plus the per-token term's own gradient.
            double g = (average && n > 0 ? dRowLogps[r] / n : dRowLogps[r]) + (dEachToken == null ? 0 : dEachToken[r]);
            for (int t = 0; t < T; t++) {
                if (targets[r * T + t] >= 0) dTokenLogps[r * T + t] = (float) g;
            }
        }
    }

    private void ensure(int n) {
        if (tokenLogps.length != n) {
            tokenLogps = new float[n];
            dTokenLogps = new float[n];
            logSumExps = new double[n];
        }
    }
}
