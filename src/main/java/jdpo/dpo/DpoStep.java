package jdpo.dpo;

import jdpo.gpt2.Gpt2;
import jdpo.tensor.Tensor;

import java.util.Arrays;

/**
 * One DPO forward and backward over a batch of B pairs, as five calls in the order the data
 * flows ({@link #run}):
 *
 * <pre>
 *   1. policyLogps     policy forward over the 2B rows          -> log pi(y_w|x), log pi(y_l|x)          [B] each
 *   2. referenceLogps  the frozen reference, same rows           -> log pi_ref(y_w|x), log pi_ref(y_l|x)  [B] each
 *   3. loss            DpoLoss of the four (plus RPO's NLL term) -> mean loss, dLoss/dlog pi(y_w|x), dLoss/dlog pi(y_l|x)
 *   4. metrics         what TRL logs about the policy's logits   -> logits/chosen, logits/rejected, entropy, token accuracy
 *   5. backward        dLoss/dlogits [2B, T, V] over the logits, then the policy's backward -> parameter gradients (accumulated)
 * </pre>
 *
 * The chosen responses y_w fill rows 0..B-1 of the batch and the rejected y_l rows B..2B-1
 * ({@link PreferenceBatch}).
 */
public final class DpoStep {
    private final Gpt2 policy;
    private final Reference reference;
    private final DpoLoss dpoLoss;
    private final RpoTerm rpo;
    private final SequenceLogProbs logps;

    /**
     * @param averageLogps use per-token mean log-probs instead of sums (IPO's convention)
     * @param rpo          the NLL term on chosen responses, or null
     */
    public DpoStep(Gpt2 policy, Reference reference, DpoLoss dpoLoss, boolean averageLogps, RpoTerm rpo) {
        this.policy = policy;
        this.reference = reference;
        this.dpoLoss = dpoLoss;
        this.rpo = rpo != null && rpo.alpha() > 0 ? rpo : null;
        this.logps = new SequenceLogProbs(averageLogps);
    }

    /**
     * Runs the batch. With {@code backward}, adds {@code gradScale} times the gradient of the mean
     * loss to the policy's parameter gradients (gradScale = 1 / accumulation steps).
     */
    public Result run(PreferenceBatch batch, int[] pairIds, boolean backward, double gradScale) {
        PairLogps policyLogps = policyLogps(batch);
        PairLogps referenceLogps = referenceLogps(batch, pairIds);
        StepLoss loss = loss(batch, policyLogps, referenceLogps);
        LogitMetrics metrics = metrics(batch);
        if (backward) backward(batch, loss, gradScale);
        return new Result(loss, metrics, batch.realTokens());
    }

    /** Step 1: the policy's forward over all 2B rows, then each row's log-prob (sum, or mean when averaging). */
    PairLogps policyLogps(PreferenceBatch batch) {
        policy.forward(batch.ids, batch.rows, batch.T);
        return PairLogps.ofRows(logps.forward(policy.kernels(), policy.logits(), batch.targets, batch.rows, batch.T));
    }

    /** Step 2: the reference's log-probs of the same rows; it never trains. */
    PairLogps referenceLogps(PreferenceBatch batch, int[] pairIds) {
        return PairLogps.ofRows(reference.logps(batch, pairIds));
    }

    /**
     * Step 3: the mean DPO loss over the pairs and its gradient with respect to the policy's
     * log-probs, plus RPO's NLL term when there is one. TRL logs rewards and log-probs of sums
     * even when the loss reads per-token means, so then the rewards are computed once more from
     * the sums.
     */
    StepLoss loss(PreferenceBatch batch, PairLogps policyLogps, PairLogps referenceLogps) {
        BatchLoss lossOfWhatWasRead = dpoLoss.batch(policyLogps.chosen, policyLogps.rejected,
                referenceLogps.chosen, referenceLogps.rejected);
        RpoTerm.Nll nll = rpo == null ? RpoTerm.Nll.NONE : rpo.of(logps.tokenLogps(), batch);
        if (!logps.average()) {
            return new StepLoss(lossOfWhatWasRead, lossOfWhatWasRead, policyLogps, referenceLogps, nll);
        }
        PairLogps policySums = policyLogps.summed(batch), referenceSums = referenceLogps.summed(batch);
        BatchLoss rewardsOfSums = dpoLoss.batch(policySums.chosen, policySums.rejected, referenceSums.chosen, referenceSums.rejected);
        return new StepLoss(lossOfWhatWasRead, rewardsOfSums, policySums, referenceSums, nll);
    }

    /** Step 4: TRL's logits/*, entropy and mean_token_accuracy, from the policy's logits of step 1. */
    LogitMetrics metrics(PreferenceBatch batch) {
        return LogitMetrics.of(policy.kernels(), policy.logits(), batch);
    }

    /**
     * Step 5: every scored token of a row gets its row's dLoss/dlog pi (and RPO's per-token
     * gradient on the chosen rows); {@link SequenceLogProbs#backwardOverLogits} turns that into
     * dLoss/dlogits, written over the logits, and the policy's backward into parameter gradients,
     * added to those already there. After it {@code policy.logits()} holds that gradient.
     */
    void backward(PreferenceBatch batch, StepLoss loss, double gradScale) {
        int B = batch.pairs;
        double[] dRowLogps = new double[batch.rows];
        double[] dEachToken = rpo == null ? null : new double[batch.rows];
        for (int i = 0; i < B; i++) {
            dRowLogps[i] = gradScale * loss.dpo.gradPolicyChosen()[i];
            dRowLogps[B + i] = gradScale * loss.dpo.gradPolicyRejected()[i];
            if (dEachToken != null) dEachToken[i] = gradScale * loss.nll.tokenGradient();
        }
        // Nothing after this reads the logits, so their gradient is written over them: the step
        // holds one logits-sized buffer, [2B, T, 50257] at GPT-2 size, not two.
        Tensor logits = policy.logits();
        logps.backwardOverLogits(policy.kernels(), logits, batch.targets, dRowLogps, dEachToken, batch.rows, batch.T);
        policy.backward(logits);
    }

    /** Log-probs of B pairs: {@code chosen[i]} of row i, {@code rejected[i]} of row B + i. */
    static final class PairLogps {
        final double[] chosen, rejected;

        private PairLogps(double[] chosen, double[] rejected) {
            this.chosen = chosen;
            this.rejected = rejected;
        }

        /** Splits {@code [2B]} row log-probs into the chosen half and the rejected half. */
        static PairLogps ofRows(double[] rows) {
            int B = rows.length / 2;
            return new PairLogps(Arrays.copyOfRange(rows, 0, B), Arrays.copyOfRange(rows, B, 2 * B));
        }

        /** Per-token means back to sums: mean times the row's scored-token count. */
        PairLogps summed(PreferenceBatch batch) {
            double[] c = new double[chosen.length], r = new double[rejected.length];
            for (int i = 0; i < c.length; i++) {
                c[i] = chosen[i] * batch.responseTokens[i];
                r[i] = rejected[i] * batch.responseTokens[batch.pairs + i];
            }
            return new PairLogps(c, r);
        }
    }

    /**
     * What step 3 gives: the DPO loss of what it read ({@code dpo}, whose gradient step 5
     * propagates), the rewards of the summed log-probs, those sums, and the RPO term.
     */
    static final class StepLoss {
        final BatchLoss dpo, rewards;
        final PairLogps policySums, referenceSums;
        final RpoTerm.Nll nll;

        StepLoss(BatchLoss dpo, BatchLoss rewards, PairLogps policySums, PairLogps referenceSums, RpoTerm.Nll nll) {
            this.dpo = dpo;
            this.rewards = rewards;
            this.policySums = policySums;
            this.referenceSums = referenceSums;
            this.nll = nll;
        }

        /** The loss the gradient is of: DPO's mean over the pairs plus the NLL term. */
        double total() {
            return dpo.loss() + nll.loss();
        }
    }

    /**
     * What one batch gave: the loss and its gradient, and the numbers TRL logs about the batch.
     *
     * <p>The log-probs and rewards here are always sums over each response, as TRL 1.x logs them,
     * even when the loss reads per-token means (IPO, {@code --average-logps}): then {@link #loss}
     * holds the loss of the means and {@link #rewards} the rewards of the sums.
     */
    public static final class Result {
        /** The loss, its gradient with respect to the log-probs the loss read, and each pair's loss. */
        public final BatchLoss loss;
        /** The reward metrics (beta times the summed log-ratios); the same object as {@link #loss} without averaging. */
        public final BatchLoss rewards;
        /** The loss including the RPO term, if any; what the gradient is of. */
        public final double totalLoss;
        /** {@code [B]} each: log-probs summed over each response (and its eos). */
        public final double[] policyChosenLogps, policyRejectedLogps, refChosenLogps, refRejectedLogps;
        /** Mean logit over the scored positions (and the vocabulary) of the chosen / rejected rows. */
        public final double meanChosenLogits, meanRejectedLogits;
        /** Mean entropy (nats) of the policy's next-token distribution over the scored positions of all rows. */
        public final double entropy;
        /** Fraction of the chosen responses' tokens that are the policy's most likely next token. */
        public final double chosenTokenAccuracy;
        /** Prompt and response tokens in the batch, padding excluded. */
        public final int tokens;

        Result(StepLoss loss, LogitMetrics metrics, int tokens) {
            this.loss = loss.dpo;
            this.rewards = loss.rewards;
            this.totalLoss = loss.total();
            this.policyChosenLogps = loss.policySums.chosen;
            this.policyRejectedLogps = loss.policySums.rejected;
            this.refChosenLogps = loss.referenceSums.chosen;
            this.refRejectedLogps = loss.referenceSums.rejected;
            this.meanChosenLogits = metrics.meanChosenLogit();
            this.meanRejectedLogits = metrics.meanRejectedLogit();
            this.entropy = metrics.meanEntropy();
            this.chosenTokenAccuracy = metrics.chosenTokenAccuracy();
            this.tokens = tokens;
        }
    }
}
