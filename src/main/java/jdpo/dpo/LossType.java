package jdpo.dpo;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The preference losses jdpo knows, under TRL 1.13's {@code loss_type} names (and {@code cdpo},
 * which TRL 1.x no longer offers under a name of its own). Each is a function of the chosen and
 * rejected log-ratios {@code r_w = log pi(y_w|x) - log pi_ref(y_w|x)}, {@code r_l} likewise
 * (most only of their difference, the margin {@code m = r_w - r_l}); {@link DpoLoss} holds the
 * formulas and the papers.
 */
public enum LossType {
    /** DPO: {@code -log sigmoid(beta m)}. Ignores label smoothing, as TRL 1.13's does. */
    SIGMOID("sigmoid"),
    /** Conservative DPO (cDPO): DPO against labels flipped with probability label smoothing. */
    CDPO("cdpo"),
    /** Robust DPO: the cDPO loss made unbiased for flipped labels. */
    ROBUST("robust"),
    /** SLiC's hinge: {@code relu(1 - beta m)}. */
    HINGE("hinge"),
    /** IPO: {@code (m - 1/(2 beta))^2}, meant for per-token average log-probs. */
    IPO("ipo"),
    /** EXO (pairwise): reverse KL to the label-smoothed preference distribution; needs label smoothing > 0. */
    EXO_PAIR("exo_pair"),
    /** NCA (pairwise): noise-contrastive alignment on the two rewards separately. */
    NCA_PAIR("nca_pair"),
    /** BCO (pairwise): a binary classifier calling chosen rewards 1 and rejected rewards 0. */
    BCO_PAIR("bco_pair"),
    /** SPPO with hard labels: squares pulling {@code r_w} to {@code 1/(2 beta)}, {@code r_l} to its negative. */
    SPPO_HARD("sppo_hard"),
    /** APO-zero: raise the chosen likelihood, lower the rejected. */
    APO_ZERO("apo_zero"),
    /** APO-down: lower the chosen likelihood, the rejected one more. */
    APO_DOWN("apo_down"),
    /** AOT (paired): cDPO on the sorted policy log-ratios against the sorted reference ones, across the batch. */
    AOT("aot"),
    /** AOT (unpaired): cDPO on the sorted chosen log-ratios against the sorted rejected ones, across the batch. */
    AOT_UNPAIRED("aot_unpaired"),
    /** DiscoPOP: the logistic loss blended into the exponential one by {@code sigmoid(beta m / tau)}. */
    DISCOPOP("discopop");

    private final String trlName;

    LossType(String trlName) {
        this.trlName = trlName;
    }

    /** The name as TRL and the command line spell it, e.g. {@code "sigmoid"}. */
    public String trlName() {
        return trlName;
    }

    /**
     * True for IPO: TRL feeds it per-token average log-probs (sum over the response divided by
     * its length) instead of sums. The averaging is the caller's job; {@link DpoLoss} only sees
     * the numbers it is given.
     */
    public boolean averagesLogps() {
        return this == IPO;
    }

    /** True for the losses that read the label smoothing; TRL 1.13's others (sigmoid among them) ignore it. */
    public boolean readsLabelSmoothing() {
        return this == CDPO || this == ROBUST || this == EXO_PAIR || this == AOT || this == AOT_UNPAIRED;
    }

    /** The loss named {@code name} (case-insensitive; {@code -} may stand for {@code _}). */
    public static LossType parse(String name) {
        String key = name == null ? "" : name.trim().toLowerCase(Locale.ROOT).replace('-', '_');
        for (LossType t : values()) {
            if (t.trlName.equals(key)) return t;
        }
        throw new IllegalArgumentException("unknown loss '" + name + "'; valid: " + validNames());
    }

    /** The valid names, comma separated, for help texts and error messages. */
    public static String validNames() {
        return Arrays.stream(values()).map(LossType::trlName).collect(Collectors.joining(", "));
    }

    @Override
    public String toString() {
        return trlName;
    }
}
