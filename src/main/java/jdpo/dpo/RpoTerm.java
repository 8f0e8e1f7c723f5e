package jdpo.dpo;

/**
 * RPO's negative log-likelihood term on the chosen responses: {@code alpha * NLL}, where NLL is
 * the mean of {@code -log p(token)} over every chosen-response token of the batch (TRL's
 * {@code rpo_alpha * nll_loss}, a cross-entropy averaged over tokens, not over pairs).
 *
 * <p>TRL adds the term to each pair's loss before taking the mean over pairs, so it enters the
 * batch loss exactly once. Its gradient with respect to each chosen-response token's log-prob is
 * {@code -alpha / n}, {@code n} being the number of such tokens in the batch.
 */
public final class RpoTerm {
    private final double alpha;

    /** @param alpha weight of the NLL term, {@code >= 0} (0 turns the term off) */
    public RpoTerm(double alpha) {
        if (!(alpha >= 0) || !Double.isFinite(alpha)) {
            throw new IllegalArgumentException("rpo alpha must be a finite number >= 0, got " + alpha);
        }
        this.alpha = alpha;
    }

    public double alpha() { return alpha; }

    /**
     * The term's value.
     *
     * @param sumChosenTokenLogps sum of the log-probs of every chosen-response token in the batch
     * @param chosenTokens        number of those tokens, {@code > 0}
     */
    public double loss(double sumChosenTokenLogps, long chosenTokens) {
        requireTokens(chosenTokens);
        return alpha * (-sumChosenTokenLogps / chosenTokens);
    }

    /** {@code d term / d log p(token)} for each chosen-response token: {@code -alpha / n}. */
    public double tokenGradient(long chosenTokens) {
        requireTokens(chosenTokens);
        return -alpha / chosenTokens;
    }

    /**
     * The term over a batch: its value and its gradient with respect to each chosen-response
     * token's log-prob. {@code tokenLogps [2B*T]} are the policy's per-token log-probs of the
     * batch; the chosen responses are rows 0..B-1, their tokens the positions with a target.
     */
    public Nll of(float[] tokenLogps, PreferenceBatch batch) {
        int T = batch.T;
        double sumChosenTokenLogps = 0;
        int chosenTokens = 0;
        for (int r = 0; r < batch.pairs; r++) {
            for (int t = 0; t < T; t++) {
                if (batch.targets[r * T + t] >= 0) {
                    sumChosenTokenLogps += tokenLogps[r * T + t];
                    chosenTokens++;
                }
            }
        }
        return new Nll(loss(sumChosenTokenLogps, chosenTokens), tokenGradient(chosenTokens));
    }

    /**
     * The term's value over a batch and {@code d term / d log p(token)} for each chosen-response token.
     */
    public record Nll(double loss, double tokenGradient) {
        /** No RPO term: adds nothing. */
        public static final Nll NONE = new Nll(0, 0);
    }

    private static void requireTokens(long n) {
        if (n <= 0) throw new IllegalArgumentException("the NLL term needs at least one chosen-response token, got " + n);
    }
}
