package jdpo.dpo;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The preference losses jdpo knows, under TRL's {@code loss_type} names. Each is a function of
 * the chosen and rejected log-ratios {@code u = pi_c - ref_c}, {@code w = pi_r - ref_r}
 * (most only of their difference, the DPO logits {@code z = u - w}); {@link DpoLoss} holds the
 * formulas.
 */
public enum LossType {
    /** DPO: {@code -log sigmoid(beta z)}; with label smoothing, conservative DPO (cDPO). */
    SIGMOID("sigmoid"),
    /** Robust DPO: the cDPO loss made unbiased for flipped labels. */
    ROBUST("robust"),
    /** SLiC's hinge: {@code relu(1 - beta z)}. */
    HINGE("hinge"),
    /** IPO: {@code (z - 1/(2 beta))^2}, meant for per-token average log-probs. */
    IPO("ipo"),
    /** EXO (pairwise): reverse KL to the label-smoothed preference distribution. */
    EXO_PAIR("exo_pair"),
    /** NCA (pairwise): noise-contrastive alignment on the two rewards separately. */
    NCA_PAIR("nca_pair"),
    /** SPPO with hard labels: squares pulling {@code u} to {@code 1/(2 beta)}, {@code w} to its negative. */
    SPPO_HARD("sppo_hard"),
    /** APO-zero: raise the chosen likelihood, lower the rejected. */
    APO_ZERO("apo_zero"),
    /** APO-down: lower the chosen likelihood, the rejected one more. */
    APO_DOWN("apo_down");

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
