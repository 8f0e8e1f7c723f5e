package jdpo.dpo;

/**
 * One preference pair's loss, its gradient and the numbers TRL reports for it.
 *
 * @param loss               the pair's loss
 * @param margin             the DPO margin {@code m = (log pi(y_w|x) - log pi(y_l|x)) - (log pi_ref(y_w|x) - log pi_ref(y_l|x))},
 *                           the difference of the two log-ratios (the reference term is 0 when
 *                           reference-free); TRL calls it the logits
 * @param gradPolicyChosen   {@code dLoss/d log pi(y_w|x)}
 * @param gradPolicyRejected {@code dLoss/d log pi(y_l|x)}; the reference log-probs get no
 *                           gradient, the reference being frozen
 * @param chosenReward       implied reward {@code beta (log pi(y_w|x) - log pi_ref(y_w|x))}, reported only
 * @param rejectedReward     implied reward {@code beta (log pi(y_l|x) - log pi_ref(y_l|x))}, reported only
 */
public record PairLoss(double loss, double margin, double gradPolicyChosen, double gradPolicyRejected,
                       double chosenReward, double rejectedReward) {

    /** {@code rewards/margins}: chosen reward minus rejected reward. */
    public double rewardMargin() {
        return chosenReward - rejectedReward;
    }

    /** {@code rewards/accuracies} for one pair: does the chosen response earn the larger reward? */
    public boolean rewardCorrect() {
        return chosenReward > rejectedReward;
    }
}
