package jdpo.dpo;

/**
 * One preference pair's loss, its gradient and the numbers TRL reports for it.
 *
 * @param loss               the pair's loss
 * @param logits             DPO logits {@code z = (pi_c - pi_r) - (ref_c - ref_r)} (the reference
 *                           term is 0 when reference-free)
 * @param gradPolicyChosen   {@code dLoss/d policyChosenLogps}
 * @param gradPolicyRejected {@code dLoss/d policyRejectedLogps}; the reference log-probs get no
 *                           gradient, the reference being frozen
 * @param chosenReward       implied reward {@code beta (pi_c - ref_c)}, reported only
 * @param rejectedReward     implied reward {@code beta (pi_r - ref_r)}, reported only
 */
public record PairLoss(double loss, double logits, double gradPolicyChosen, double gradPolicyRejected,
                       double chosenReward, double rejectedReward) {

    /** {@code rewards/margins}: chosen reward minus rejected reward. */
    public double margin() {
        return chosenReward - rejectedReward;
    }

    /** {@code rewards/accuracies} for one pair: does the chosen response earn the larger reward? */
    public boolean rewardCorrect() {
        return chosenReward > rejectedReward;
    }
}
