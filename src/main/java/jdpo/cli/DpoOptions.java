package jdpo.cli;

import jdpo.dpo.DpoLoss;
import jdpo.dpo.LossType;
import jdpo.io.BadInputException;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** The DPO flags that {@code train} and {@code score} share, with TRL's names and defaults. */
final class DpoOptions {

    @Option(names = "--ref-model", paramLabel = "DIR", description = "Reference model (default: a frozen copy of --model).")
    Path refModel;

    @Option(names = "--beta", defaultValue = "0.1", paramLabel = "B",
            description = "Strength of the pull towards the reference: small beta lets the policy drift far, "
                    + "large beta keeps it close. Default: ${DEFAULT-VALUE}.")
    double beta;

    @Option(names = "--loss", defaultValue = "sigmoid", paramLabel = "NAME",
            description = "sigmoid (DPO), robust, ipo, hinge, exo_pair, nca_pair, sppo_hard, apo_zero, apo_down. Default: ${DEFAULT-VALUE}.")
    String loss;

    @Option(names = "--label-smoothing", defaultValue = "0.0", paramLabel = "E",
            description = "Assumed probability that a preference label is flipped (cDPO, robust); in [0, 0.5). Default: ${DEFAULT-VALUE}.")
    double labelSmoothing;

    @Option(names = "--reference-free", description = "Use no reference model (log pi_ref = 0).")
    boolean referenceFree;

    @Option(names = "--precompute-ref", description = "Compute the reference log-probs once before training, then drop the reference model.")
    boolean precomputeRef;

    @Option(names = "--average-logps",
            description = "Feed the loss the per-token mean log-prob of a response instead of the sum (IPO does this always). "
                    + "beta then scales a per-token log-ratio, so good values are larger than for sums. "
                    + "The logged logps/* and rewards/* stay sums, as TRL logs them.")
    boolean averageLogps;

    @Option(names = "--rpo-alpha", defaultValue = "0.0", paramLabel = "A",
            description = "Add A times the NLL of the chosen responses (RPO). Default: ${DEFAULT-VALUE} (off).")
    double rpoAlpha;

    @Option(names = "--max-length", defaultValue = "1024", paramLabel = "N",
            description = "Longest prompt + response in tokens (capped by the model's n_positions). Default: ${DEFAULT-VALUE}.")
    int maxLength;

    @Option(names = "--max-prompt-length", defaultValue = "512", paramLabel = "N",
            description = "Longest prompt; longer prompts keep their end. 0: no separate limit. Default: ${DEFAULT-VALUE}.")
    int maxPromptLength;

    LossType lossType() {
        try {
            return LossType.parse(loss);
        } catch (IllegalArgumentException e) {
            throw new BadInputException("--loss: " + e.getMessage());
        }
    }

    DpoLoss loss() {
        return new DpoLoss(lossType(), beta, labelSmoothing, referenceFree);
    }

    void validate() {
        if (!(beta > 0) || !Double.isFinite(beta)) throw new BadInputException("--beta must be > 0, got " + beta);
        if (!(labelSmoothing >= 0 && labelSmoothing < 0.5)) {
            throw new BadInputException("--label-smoothing must be in [0, 0.5), got " + labelSmoothing);
        }
        if (!(rpoAlpha >= 0)) throw new BadInputException("--rpo-alpha must be >= 0, got " + rpoAlpha);
        if (maxLength < 2) throw new BadInputException("--max-length must be at least 2, got " + maxLength);
        if (maxPromptLength < 0) throw new BadInputException("--max-prompt-length must be >= 0, got " + maxPromptLength);
        if (referenceFree && (refModel != null || precomputeRef)) {
            throw new BadInputException("--reference-free uses no reference; drop --ref-model / --precompute-ref");
        }
        lossType();
    }
}
