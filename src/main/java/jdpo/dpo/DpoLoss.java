package jdpo.dpo;

import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * The DPO loss and its variants, as TRL 1.13's {@code DPOTrainer} defines them, with the exact
 * gradient with respect to the policy's log-probs.
 *
 * <p>For one pair, with the policy's sequence log-probs {@code log pi(y_w|x)},
 * {@code log pi(y_l|x)} and the frozen reference's {@code log pi_ref(y_w|x)},
 * {@code log pi_ref(y_l|x)}:
 * <pre>
 *   chosenLogRatio   r_w = log pi(y_w|x) - log pi_ref(y_w|x)    (the reference is 0 when reference-free)
 *   rejectedLogRatio r_l = log pi(y_l|x) - log pi_ref(y_l|x)
 *   margin           m   = r_w - r_l                            (what TRL calls the logits)
 *
 *   sigmoid      -log s(beta m)                                              DPO
 *   cdpo         -(1-e) log s(beta m) - e log s(-beta m)                     conservative DPO
 *   robust       (-(1-e) log s(beta m) + e log s(-beta m)) / (1 - 2e)        robust DPO
 *   hinge        relu(1 - beta m)                                            SLiC
 *   ipo          (m - 1/(2 beta))^2                                          IPO
 *   exo_pair     q (log q - log(1-e)) + (1-q) (log(1-q) - log e),  q = s(beta m)   EXO
 *   nca_pair     -log s(beta r_w) - log s(-beta r_w)/2 - log s(-beta r_l)/2  NCA
 *   bco_pair     -log s(beta r_w) - log s(-beta r_l)                         BCO
 *   sppo_hard    (r_w - 1/(2 beta))^2 + (r_l + 1/(2 beta))^2                 SPPO
 *   apo_zero     1 - s(beta r_w) + s(beta r_l)                               APO
 *   apo_down     s(beta r_w) + 1 - s(beta m)                                 APO
 *   discopop     (1-g) (-log s(beta m)) + g exp(-beta m),  g = s(beta m / tau)   DiscoPOP
 *   aot          cdpo of the k-th smallest policy log-ratio log pi(y_w|x) - log pi(y_l|x) minus
 *                the k-th smallest reference one, for k = 1..B                 AOT (paired)
 *   aot_unpaired cdpo of the k-th smallest r_w minus the k-th smallest r_l     AOT (unpaired)
 * </pre>
 * where {@code s} is the logistic sigmoid and {@code e} the label smoothing. The two AOT losses
 * sort across the batch, so they are losses of a batch ({@link #batch}); {@link #pair} gives a
 * batch of one, where both reduce to cDPO. The implied rewards {@code beta r_w} and
 * {@code beta r_l} are reported as TRL reports them, always with the reference log-probs given
 * (zeros when no reference runs).
 *
 * <p>IPO is meant for per-token average log-probs, as TRL computes them for {@code ipo} (see
 * {@link LossType#averagesLogps()}); averaging them is the caller's job, this class only sees
 * the four numbers of a pair.
 *
 * <p>Reference-free drops the reference from every loss; TRL drops it from all but
 * {@code sppo_hard} and {@code nca_pair}, which there keep using the reference.
 */
public final class DpoLoss {
    /** DiscoPOP's temperature when none is given: the paper's and TRL's default. */
    public static final double DISCOPOP_TAU = 0.05;

    private final LossType type;
    private final double beta;
    private final double labelSmoothing;
    private final boolean referenceFree;
    private final double discopopTau;

    /** A loss with DiscoPOP's default temperature ({@link #DISCOPOP_TAU}). */
    public DpoLoss(LossType type, double beta, double labelSmoothing, boolean referenceFree) {
        this(type, beta, labelSmoothing, referenceFree, DISCOPOP_TAU);
    }

    /**
     * @param beta           strength of the implicit KL penalty, {@code > 0} (TRL's default 0.1)
     * @param labelSmoothing probability that a label is flipped, in {@code [0, 0.5)}; read by
     *                       {@code cdpo}, {@code robust}, {@code exo_pair}, {@code aot} and
     *                       {@code aot_unpaired} only (TRL 1.13's {@code sigmoid} ignores it);
     *                       {@code exo_pair} needs it {@code > 0}, as TRL requires
     * @param referenceFree  compare against a uniform reference (log-ratios without the reference)
     * @param discopopTau    DiscoPOP's temperature {@code tau > 0}; read by {@code discopop} only
     */
    public DpoLoss(LossType type, double beta, double labelSmoothing, boolean referenceFree, double discopopTau) {
        if (type == null) throw new IllegalArgumentException("loss type is required; valid: " + LossType.validNames());
        if (!(beta > 0) || !Double.isFinite(beta)) {
            throw new IllegalArgumentException("beta must be a finite number > 0, got " + beta);
        }
        if (!(labelSmoothing >= 0 && labelSmoothing < 0.5)) {
            throw new IllegalArgumentException("label smoothing must be in [0, 0.5), got " + labelSmoothing);
        }
        if (type == LossType.EXO_PAIR && labelSmoothing == 0) {
            // log e of the loss is -inf at e = 0; TRL 1.13 refuses it rather than pick a value.
            throw new IllegalArgumentException("exo_pair needs label smoothing > 0 (the EXO paper recommends 1e-3)");
        }
        if (!(discopopTau > 0) || !Double.isFinite(discopopTau)) {
            throw new IllegalArgumentException("the DiscoPOP temperature must be a finite number > 0, got " + discopopTau);
        }
        this.type = type;
        this.beta = beta;
        this.labelSmoothing = labelSmoothing;
        this.referenceFree = referenceFree;
        this.discopopTau = discopopTau;
    }

    /** The default DPO loss: sigmoid, with a reference. */
    public static DpoLoss standard(double beta) {
        return new DpoLoss(LossType.SIGMOID, beta, 0, false);
    }

    public LossType type() { return type; }

    public double beta() { return beta; }

    public double labelSmoothing() { return labelSmoothing; }

    public boolean referenceFree() { return referenceFree; }

    public double discopopTau() { return discopopTau; }

    /**
     * Loss, gradient and rewards of one pair (of a batch of one, for the AOT losses); arguments
     * are sequence log-probs.
     */
    public PairLoss pair(double policyChosenLogps, double policyRejectedLogps,
                         double refChosenLogps, double refRejectedLogps) {
        double refChosen = referenceFree ? 0 : refChosenLogps;
        double refRejected = referenceFree ? 0 : refRejectedLogps;
        double chosenLogRatio = policyChosenLogps - refChosen;
        double rejectedLogRatio = policyRejectedLogps - refRejected;
        // TRL forms the margin as (pi_c - pi_r) - (ref_c - ref_r); same value as r_w - r_l up to rounding.
        double margin = (policyChosenLogps - policyRejectedLogps) - (refChosen - refRejected);
        double x = beta * margin;
        double e = labelSmoothing;
        double loss;
        double dMargin = 0;    // dLoss/dm, for the losses of the margin alone
        double dChosen = 0;    // dLoss/dr_w and dLoss/dr_l beyond what dMargin contributes
        double dRejected = 0;
        switch (type) {
            case SIGMOID -> {
                // DPO, Eq. 7 of Rafailov et al. 2023, "Direct Preference Optimization".
                loss = -logSigmoid(x);
                dMargin = -beta * sigmoid(-x);
            }
            case CDPO, AOT, AOT_UNPAIRED -> {
                // Conservative DPO: the DPO loss against labels flipped with probability e
                // (Mitchell 2023, "A note on DPO with noisy preferences & relationship to IPO").
                // The AOT losses apply it to sorted margins; a batch of one is sorted already.
                loss = smoothedLoss(x);
                dMargin = beta * smoothedSlope(x);
            }
            case ROBUST -> {
                // Unbiased for labels flipped with probability e: Chowdhury et al. 2024,
                // "Provably Robust DPO: Aligning Language Models with Noisy Feedback".
                loss = (-(1 - e) * logSigmoid(x) + e * logSigmoid(-x)) / (1 - 2 * e);
                dMargin = beta * (-(1 - e) * sigmoid(-x) - e * sigmoid(x)) / (1 - 2 * e);
            }
            case HINGE -> {
                // SLiC's calibration loss on the margin: Zhao et al. 2023, "SLiC-HF".
                loss = Math.max(0, 1 - x);
                dMargin = x < 1 ? -beta : 0;  // at the kink, 0 as torch.relu's backward gives
            }
            case IPO -> {
                // Eq. 17 of Azar et al. 2023, "A General Theoretical Paradigm to Understand
                // Learning from Human Preferences" (their tau is beta here).
                double target = 1 / (2 * beta);
                loss = (margin - target) * (margin - target);
                dMargin = 2 * (margin - target);
            }
            case EXO_PAIR -> {
                // EXO-pref, Eq. 16 of Ji et al. 2024, "Towards Efficient Exact Optimization of
                // Language Model Alignment": KL(q || [1-e, e]) with q = s(beta m).
                loss = sigmoid(x) * (logSigmoid(x) - Math.log1p(-e)) + sigmoid(-x) * (logSigmoid(-x) - Math.log(e));
                // d/dx collapses to s'(x) (x - log((1-e)/e)) because log s(x) - log s(-x) = x.
                dMargin = beta * sigmoidSlope(x) * (x - Math.log1p(-e) + Math.log(e));
            }
            case NCA_PAIR -> {
                // Chen et al. 2024, "Noise Contrastive Alignment of Language Models with Explicit Rewards".
                double chosenReward = beta * chosenLogRatio, rejectedReward = beta * rejectedLogRatio;
                loss = -logSigmoid(chosenReward) - 0.5 * logSigmoid(-chosenReward) - 0.5 * logSigmoid(-rejectedReward);
                dChosen = beta * (-sigmoid(-chosenReward) + 0.5 * sigmoid(chosenReward));
                dRejected = beta * 0.5 * sigmoid(rejectedReward);
            }
            case BCO_PAIR -> {
                // Binary classifier on the rewards (chosen = 1, rejected = 0): Jung et al. 2024,
                // "Binary Classifier Optimization for Large Language Model Alignment". TRL 1.13
                // uses no reward shift here.
                double chosenReward = beta * chosenLogRatio, rejectedReward = beta * rejectedLogRatio;
                loss = -logSigmoid(chosenReward) - logSigmoid(-rejectedReward);
                dChosen = -beta * sigmoid(-chosenReward);
                dRejected = beta * sigmoid(rejectedReward);
            }
            case SPPO_HARD -> {
                // Wu et al. 2024, "Self-Play Preference Optimization", Eq. 4.7 with hard
                // probabilities (1 for the chosen, 0 for the rejected).
                double target = 0.5 / beta;
                loss = (chosenLogRatio - target) * (chosenLogRatio - target)
                        + (rejectedLogRatio + target) * (rejectedLogRatio + target);
                dChosen = 2 * (chosenLogRatio - target);
                dRejected = 2 * (rejectedLogRatio + target);
            }
            case APO_ZERO -> {
                // Eq. 7 of D'Oosterlinck et al. 2024, "Anchored Preference Optimization and Contrastive Revisions".
                loss = 1 - sigmoid(beta * chosenLogRatio) + sigmoid(beta * rejectedLogRatio);
                dChosen = -beta * sigmoidSlope(beta * chosenLogRatio);
                dRejected = beta * sigmoidSlope(beta * rejectedLogRatio);
            }
            case APO_DOWN -> {
                // Eq. 8 of the same APO paper.
                loss = sigmoid(beta * chosenLogRatio) + 1 - sigmoid(x);
                dChosen = beta * sigmoidSlope(beta * chosenLogRatio);
                dMargin = -beta * sigmoidSlope(x);
            }
            case DISCOPOP -> {
                // Eq. 5 of Lu et al. 2024, "Discovering Preference Optimization Algorithms with and
                // for Large Language Models": the logistic loss blended into the exponential one.
                double g = sigmoid(x / discopopTau);
                double dg = sigmoidSlope(x / discopopTau) / discopopTau;  // dg/dx
                // exp(-x) g and exp(-x) dg, each as one exp so that they stay finite for very negative x.
                double expG = Math.exp(-x + logSigmoid(x / discopopTau));
                double expDg = Math.exp(-x + logSigmoid(x / discopopTau) + logSigmoid(-x / discopopTau)) / discopopTau;
                loss = -logSigmoid(x) * (1 - g) + expG;
                // d/dx: -s(-x) (1-g) + log s(x) g' - exp(-x) g + exp(-x) g'.
                dMargin = beta * (-sigmoid(-x) * (1 - g) + logSigmoid(x) * dg - expG + expDg);
            }
            default -> throw new IllegalStateException("no formula for " + type);
        }
        double chosenReward = beta * (policyChosenLogps - refChosenLogps);
        double rejectedReward = beta * (policyRejectedLogps - refRejectedLogps);
        return new PairLoss(loss, margin, dChosen + dMargin, dRejected - dMargin, chosenReward, rejectedReward);
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
        for (int i = 0; i < b; i++) {
            pairs[i] = pair(policyChosenLogps[i], policyRejectedLogps[i], refChosenLogps[i], refRejectedLogps[i]);
        }
        if (b > 1 && (type == LossType.AOT || type == LossType.AOT_UNPAIRED)) {
            pairs = sortedTransport(pairs, policyChosenLogps, policyRejectedLogps, refChosenLogps, refRejectedLogps);
        }
        double[] gradChosen = new double[b];
        double[] gradRejected = new double[b];
        double loss = 0, rewardChosen = 0, rewardRejected = 0, correct = 0, rewardMargin = 0;
        for (int i = 0; i < b; i++) {
            PairLoss p = pairs[i];
            gradChosen[i] = p.gradPolicyChosen() / b;
            gradRejected[i] = p.gradPolicyRejected() / b;
            loss += p.loss();
            rewardChosen += p.chosenReward();
            rewardRejected += p.rejectedReward();
            rewardMargin += p.rewardMargin();
            if (p.rewardCorrect()) correct++;
        }
        return new BatchLoss(loss / b, gradChosen, gradRejected, rewardChosen / b, rewardRejected / b, correct / b,
                rewardMargin / b, pairs);
    }

    /**
     * The AOT losses of a batch (Melnyk et al. 2024, "Distributional Preference Alignment of LLMs
     * via Optimal Transport"): the one-dimensional optimal transport between two sets of log-ratios
     * pairs the k-th smallest of one with the k-th smallest of the other, and cDPO is applied to
     * each such difference.
     * <pre>
     *   aot:          d_k = sort(pi_c - pi_r)_k - sort(ref_c - ref_r)_k
     *   aot_unpaired: d_k = sort(r_w)_k - sort(r_l)_k
     * </pre>
     * Position k's loss is reported on the pair whose policy (aot) or chosen (aot_unpaired)
     * log-ratio is the k-th smallest; the gradient of d_k flows to the pairs that hold the two
     * sorted values (the reference gets none). Ties keep the input order, as a stable sort does.
     */
    private PairLoss[] sortedTransport(PairLoss[] pairs, double[] pc, double[] pr, double[] rc, double[] rr) {
        int b = pairs.length;
        double[] left = new double[b], right = new double[b];
        for (int i = 0; i < b; i++) {
            double refC = referenceFree ? 0 : rc[i], refR = referenceFree ? 0 : rr[i];
            if (type == LossType.AOT) {
                left[i] = pc[i] - pr[i];
                right[i] = refC - refR;
            } else {
                left[i] = pc[i] - refC;
                right[i] = pr[i] - refR;
            }
        }
        int[] leftRank = ascending(left), rightRank = ascending(right);
        double[] loss = new double[b], dChosen = new double[b], dRejected = new double[b];
        for (int k = 0; k < b; k++) {
            int l = leftRank[k], r = rightRank[k];
            double x = beta * (left[l] - right[r]);
            double dDifference = beta * smoothedSlope(x);
            loss[l] = smoothedLoss(x);
            // aot: left = pi_c - pi_r of pair l, right holds no policy term.
            // aot_unpaired: left = r_w of pair l, right = r_l of pair r.
            dChosen[l] += dDifference;
            if (type == LossType.AOT) dRejected[l] -= dDifference;
            else dRejected[r] -= dDifference;
        }
        PairLoss[] out = new PairLoss[b];
        for (int i = 0; i < b; i++) {
            PairLoss p = pairs[i];
            out[i] = new PairLoss(loss[i], p.margin(), dChosen[i], dRejected[i], p.chosenReward(), p.rejectedReward());
        }
        return out;
    }

    /** Indices of {@code values} from the smallest value up, ties in index order. */
    private static int[] ascending(double[] values) {
        return IntStream.range(0, values.length).boxed()
                .sorted(Comparator.comparingDouble(i -> values[i]))
                .mapToInt(Integer::intValue).toArray();
    }

    /** cDPO's loss of {@code x = beta m}: {@code -(1-e) log s(x) - e log s(-x)}. */
    private double smoothedLoss(double x) {
        return -(1 - labelSmoothing) * logSigmoid(x) - labelSmoothing * logSigmoid(-x);
    }

    /** Its derivative in x: {@code -(1-e) s(-x) + e s(x)}. */
    private double smoothedSlope(double x) {
        return -(1 - labelSmoothing) * sigmoid(-x) + labelSmoothing * sigmoid(x);
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
        return type + "(beta=" + beta + (type.readsLabelSmoothing() && labelSmoothing > 0 ? ", label smoothing=" + labelSmoothing : "")
                + (type == LossType.DISCOPOP ? ", tau=" + discopopTau : "")
                + (referenceFree ? ", reference-free" : "") + ")";
    }
}
