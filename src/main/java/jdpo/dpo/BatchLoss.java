package jdpo.dpo;

/**
 * The mean loss over a batch of B pairs, its gradient, and TRL's reward metrics as batch means.
 *
 * @param loss               mean of the pairs' losses
 * @param gradPolicyChosen   {@code [B]}: {@code d meanLoss / d policyChosenLogps[i]}, i.e. each
 *                           pair's gradient divided by B
 * @param gradPolicyRejected {@code [B]}: {@code d meanLoss / d policyRejectedLogps[i]}
 * @param rewardsChosen      {@code rewards/chosen}: mean of {@code beta (pi_c - ref_c)}
 * @param rewardsRejected    {@code rewards/rejected}: mean of {@code beta (pi_r - ref_r)}
 * @param rewardsAccuracy    {@code rewards/accuracies}: fraction of pairs whose chosen reward is larger
 * @param rewardsMargin      {@code rewards/margins}: mean of chosen minus rejected reward
 * @param pairs              each pair's own result, in input order
 */
public record BatchLoss(double loss, double[] gradPolicyChosen, double[] gradPolicyRejected,
                        double rewardsChosen, double rewardsRejected, double rewardsAccuracy,
                        double rewardsMargin, PairLoss[] pairs) {
}
