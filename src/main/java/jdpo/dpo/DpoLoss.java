package jdpo.dpo;

/**
 * The DPO loss and its variants, as TRL's {@code DPOTrainer.dpo_loss} defines them, with the
 * exact gradient with respect to the policy's log-probs.
 *
 * <p>For one pair, with sequence log-probs {@code pi_c = log pi_theta(y_w|x)},
 * {@code pi_r = log pi_theta(y_l|x)} and the frozen reference's {@code ref_c}, {@code ref_r}:
 * <pre>
 *   u = pi_c - ref_c            chosen log-ratio   (ref_c taken as 0 when reference-free)
 *   w = pi_r - ref_r            rejected log-ratio (ref_r taken as 0 when reference-free)
 *   z = u - w                   the DPO logits; x = beta z
 *   sigmoid   -(1-ls) log s(x) - ls log s(-x)             (ls > 0: conservative DPO, cDPO)
 *   robust    (-(1-ls) log s(x) + ls log s(-x)) / (1 - 2 ls)
 *   hinge     relu(1 - x)
 *   ipo       (z - 1/(2 beta))^2
 *   exo_pair  s(x) (log s(x) - log(1-e)) + s(-x) (log s(-x) - log e),  e = ls, or 1e-3 when ls = 0
 *   nca_pair  -log s(beta u) - log s(-beta u)/2 - log s(-beta w)/2
 *   sppo_hard (u - 1/(2 beta))^2 + (w + 1/(2 beta))^2
 *   apo_zero  1 - s(beta u) + s(beta w)
 *   apo_down  s(beta u) + 1 - s(x)
 * </pre>
 * where {@code s} is the logistic sigmoid and {@code ls} the label smoothing. The implied
 * rewards {@code beta (pi_c - ref_c)} and {@code beta (pi_r - ref_r)} are reported as TRL
 * reports them, always with the reference log-probs given (pass zeros when no reference runs).
 *
 * <p>IPO is meant for per-token average log-probs, as TRL computes them for {@code ipo} (see
 * {@link LossType#averagesLogps()}); averaging them is the caller's job, this class only sees
 * the four numbers of a pair.
 *
 * <p>Reference-free drops the reference from every loss; TRL drops it from all but
 * {@code sppo_hard} and {@code nca_pair}, which there keep using the reference.
 */
public final class DpoLoss {
    private final LossType type;
    private final double beta;
    private final double labelSmoothing;
    private final boolean referenceFree;

    /**
     * @param beta           strength of the implicit KL penalty, {@code > 0} (TRL's default 0.1)
     * @param labelSmoothing probability that a label is flipped, in {@code [0, 0.5)}; used by
     *                       {@code sigmoid}, {@code robust} and {@code exo_pair}
     * @param referenceFree  compare against a uniform reference (log-ratios without the reference)
     */
    public DpoLoss(LossType type, double beta, double labelSmoothing, boolean referenceFree) {
        if (type == null) throw new IllegalArgumentException("loss type is required; valid: " + LossType.validNames());
        if (!(beta > 0) || !Double.isFinite(beta)) {
            throw new IllegalArgumentException("beta must be a finite number > 0, got " + beta);
        }
        if (!(labelSmoothing >= 0 && labelSmoothing < 0.5)) {
            throw new IllegalArgumentException("label smoothing must be in [0, 0.5), got " + labelSmoothing);
        }
        this.type = type;
        this.beta = beta;
        this.labelSmoothing = labelSmoothing;
        this.referenceFree = referenceFree;
    }

    /** The default DPO loss: sigmoid, no label smoothing, with a reference. */
    public static DpoLoss standard(double beta) {
        return new DpoLoss(LossType.SIGMOID, beta, 0, false);
    }

    public LossType type() { return type; }

    public double beta() { return beta; }

    public double labelSmoothing() { return labelSmoothing; }

    public boolean referenceFree() { return referenceFree; }

    /** Loss, gradient and rewards of one pair; arguments are sequence log-probs. */
    public PairLoss pair(double policyChosenLogps, double policyRejectedLogps,
                         double refChosenLogps, double refRejectedLogps) {
        double refC = referenceFree ? 0 : refChosenLogps;
        double refR = referenceFree ? 0 : refRejectedLogps;
        double u = policyChosenLogps - refC;
        double w = policyRejectedLogps - refR;
        // TRL forms the logits as (pi_c - pi_r) - (ref_c - ref_r); same value as u - w up to rounding.
        double z = (policyChosenLogps - policyRejectedLogps) - (refC - refR);
        double x = beta * z;
        double ls = labelSmoothing;
        double loss;
        double dz = 0;  // dLoss/dz, for the losses of z alone
        double du = 0;  // dLoss/du and dLoss/dw beyond what dz contributes
        double dw = 0;
        switch (type) {
            case SIGMOID -> {
                loss = -(1 - ls) * logSigmoid(x) - ls * logSigmoid(-x);
                dz = beta * (-(1 - ls) * sigmoid(-x) + ls * sigmoid(x));
            }
            case ROBUST -> {
                loss = (-(1 - ls) * logSigmoid(x) + ls * logSigmoid(-x)) / (1 - 2 * ls);
                dz = beta * (-(1 - ls) * sigmoid(-x) - ls * sigmoid(x)) / (1 - 2 * ls);
            }
            case HINGE -> {
                loss = Math.max(0, 1 - x);
                dz = x < 1 ? -beta : 0;  // at the kink, 0 as torch.relu's backward gives
            }
            case IPO -> {
                double target = 1 / (2 * beta);
                loss = (z - target) * (z - target);
                dz = 2 * (z - target);
            }
            case EXO_PAIR -> {
                // TRL replaces ls = 0 by 1e-3: both logs must stay finite.
                double e = ls == 0 ? 1e-3 : ls;
                loss = sigmoid(x) * (logSigmoid(x) - Math.log1p(-e)) + sigmoid(-x) * (logSigmoid(-x) - Math.log(e));
                // d/dx collapses to s'(x) (x - log((1-e)/e)) because log s(x) - log s(-x) = x.
                dz = beta * sigmoidSlope(x) * (x - Math.log1p(-e) + Math.log(e));
            }
            case NCA_PAIR -> {
                double rc = beta * u;
                double rr = beta * w;
                loss = -logSigmoid(rc) - 0.5 * logSigmoid(-rc) - 0.5 * logSigmoid(-rr);
                du = beta * (-sigmoid(-rc) + 0.5 * sigmoid(rc));
                dw = beta * 0.5 * sigmoid(rr);
            }
            case SPPO_HARD -> {
                double target = 0.5 / beta;
                loss = (u - target) * (u - target) + (w + target) * (w + target);
                du = 2 * (u - target);
                dw = 2 * (w + target);
            }
            case APO_ZERO -> {
                loss = 1 - sigmoid(beta * u) + sigmoid(beta * w);
                du = -beta * sigmoidSlope(beta * u);
                dw = beta * sigmoidSlope(beta * w);
            }
            case APO_DOWN -> {
                loss = sigmoid(beta * u) + 1 - sigmoid(x);
                du = beta * sigmoidSlope(beta * u);
                dz = -beta * sigmoidSlope(x);
            }
            default -> throw new IllegalStateException("no formula for " + type);
        }
        double chosenReward = beta * (policyChosenLogps - refChosenLogps);
        double rejectedReward = beta * (policyRejectedLogps - refRejectedLogps);
        return new PairLoss(loss, z, du + dz, dw - dz, chosenReward, rejectedReward);
    }

    /**
     * The mean loss over B pairs (TRL's {@code losses.mean()}), its gradient with respect to each
     * policy log-prob, and the batch means of the reward metrics. All arrays are {@code [B]}.
     */
    public BatchLoss batch(double[] policyChosenLogps, double[] policyRejectedLogps,
                           double[] refChosenLogps, double[] refRejectedLogps) {
        int b = policyChosenLogps.length;
        if (b == 0) throw new IllegalArgumentException("a batch needs at least one pair");
        if (policyRejectedLogps.length != b || refChosenLogps.length != b || refRejectedLogps.length != b) {
            throw new IllegalArgumentException("log-prob arrays differ in length: " + b + ", "
                    + policyRejectedLogps.length + ", " + refChosenLogps.length + ", " + refRejectedLogps.length);
        }
        PairLoss[] pairs = new PairLoss[b];
        double[] gradC = new double[b];
        double[] gradR = new double[b];
        double loss = 0, rewardC = 0, rewardR = 0, correct = 0, margin = 0;
        for (int i = 0; i < b; i++) {
            PairLoss p = pair(policyChosenLogps[i], policyRejectedLogps[i], refChosenLogps[i], refRejectedLogps[i]);
            pairs[i] = p;
            gradC[i] = p.gradPolicyChosen() / b;
            gradR[i] = p.gradPolicyRejected() / b;
            loss += p.loss();
            rewardC += p.chosenReward();
            rewardR += p.rejectedReward();
            margin += p.margin();
            if (p.rewardCorrect()) correct++;
        }
        return new BatchLoss(loss / b, gradC, gradR, rewardC / b, rewardR / b, correct / b, margin / b, pairs);
    }

    /** {@code log s(x) = -softplus(-x)}, finite for every finite x (no exp overflow). */
    public static double logSigmoid(double x) {
        return x >= 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x));
    }

    /** {@code s(x) = 1 / (1 + e^-x)}, evaluated so that e^(|x|) never overflows. */
    public static double sigmoid(double x) {
        if (x >= 0) return 1 / (1 + Math.exp(-x));
        double e = Math.exp(x);
        return e / (1 + e);
    }

    /** {@code s'(x) = s(x) s(-x)}. */
    static double sigmoidSlope(double x) {
        return sigmoid(x) * sigmoid(-x);
    }

    @Override
    public String toString() {
        return type + "(beta=" + beta + (labelSmoothing > 0 ? ", label smoothing=" + labelSmoothing : "")
                + (referenceFree ? ", reference-free" : "") + ")";
    }
}
