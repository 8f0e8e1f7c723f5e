package jdpo.cli;

import jdpo.dpo.DpoLoss;
import jdpo.dpo.LossType;
import jdpo.dpo.PairEncoder;
import jdpo.io.BadInputException;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
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
            description = "sigmoid (DPO), cdpo (conservative DPO), robust, ipo, hinge, exo_pair, nca_pair, bco_pair, sppo_hard, "
                    + "apo_zero, apo_down, aot, aot_unpaired, discopop; as TRL 1.13 defines them. Default: ${DEFAULT-VALUE}.")
    String loss;

    @Option(names = "--label-smoothing", defaultValue = "0.0", paramLabel = "E",
            description = "Assumed probability that a preference label is flipped, in [0, 0.5); read by cdpo, robust, exo_pair "
                    + "(which needs it > 0; the EXO paper uses 1e-3), aot and aot_unpaired. sigmoid ignores it, as TRL 1.13's does. "
                    + "Default: ${DEFAULT-VALUE}.")
    double labelSmoothing;

    @Option(names = "--discopop-tau", defaultValue = "0.05", paramLabel = "T",
            description = "DiscoPOP's temperature (--loss discopop). Default: ${DEFAULT-VALUE}.")
    double discopopTau;

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
            description = "Longest prompt + response in tokens (capped by the model's n_positions); longer rows keep their start. "
                    + "With joint tokenization a pair whose prompt alone has N tokens or more is dropped, as TRL 1.x drops it. "
                    + "Default: ${DEFAULT-VALUE}.")
    int maxLength;

    @Option(names = "--max-prompt-length", defaultValue = "0", paramLabel = "N",
            description = "Longest prompt; longer prompts keep their end (TRL before 1.0 had this limit, default 512; 1.x has none). "
                    + "0: no separate limit. Default: ${DEFAULT-VALUE}.")
    int maxPromptLength;

    @Option(names = "--tokenization", defaultValue = "joint", paramLabel = "MODE",
            description = "joint: as TRL 1.x, the response's ids are what follows the prompt's ids in the ids of prompt + "
                    + "response + <|endoftext|> (one text, so a word across the boundary is one token). separate: as TRL "
                    + "before 1.0, prompt and response tokenized apart. Either way the text <|endoftext|> in the data becomes "
                    + "the special token, as transformers' tokenizer makes it. Default: ${DEFAULT-VALUE}.")
    String tokenization;

    LossType lossType() {
        try {
            return LossType.parse(loss);
        } catch (IllegalArgumentException e) {
            throw new BadInputException("--loss: " + e.getMessage());
        }
    }

    DpoLoss loss() {
        return new DpoLoss(lossType(), beta, labelSmoothing, referenceFree, discopopTau);
    }

    PairEncoder.Tokenization tokenizationMode() {
        try {
            return PairEncoder.Tokenization.parse(tokenization);
        } catch (IllegalArgumentException e) {
            throw new BadInputException("--tokenization: " + e.getMessage());
        }
    }

    /** Warns of pairs cut to fit the length limits, and of pairs dropped because the prompt alone fills --max-length. */
    void reportLengths(PairEncoder.Encoded e, int of, PairEncoder encoder, Path file, PrintWriter err) {
        if (e.truncated() > 0) {
            err.printf("warning: %s: %d of %d pairs truncated to fit --max-length %d%s%n", file, e.truncated(), of,
                    encoder.maxLength(), maxPromptLength > 0 ? " / --max-prompt-length " + maxPromptLength : "");
        }
        if (e.dropped() > 0) {
            err.printf("warning: %s: %d of %d pairs dropped: the prompt alone has --max-length %d tokens or more "
                    + "(TRL 1.x drops them too)%n", file, e.dropped(), of, encoder.maxLength());
        }
    }

    /** The notes a user should see before a run: flags that the chosen loss does not read. */
    void warnings(PrintWriter err) {
        if (labelSmoothing > 0 && !lossType().readsLabelSmoothing()) {
            err.println("note: --loss " + lossType() + " ignores --label-smoothing, as TRL 1.13 does"
                    + (lossType() == LossType.SIGMOID ? "; conservative DPO is --loss cdpo" : ""));
        }
    }

    void validate() {
        if (!(beta > 0) || !Double.isFinite(beta)) throw new BadInputException("--beta must be > 0, got " + beta);
        if (!(labelSmoothing >= 0 && labelSmoothing < 0.5)) {
            throw new BadInputException("--label-smoothing must be in [0, 0.5), got " + labelSmoothing);
        }
        if (!(rpoAlpha >= 0)) throw new BadInputException("--rpo-alpha must be >= 0, got " + rpoAlpha);
        if (maxLength < 2) throw new BadInputException("--max-length must be at least 2, got " + maxLength);
        if (maxPromptLength < 0) throw new BadInputException("--max-prompt-length must be >= 0, got " + maxPromptLength);
        if (lossType() == LossType.EXO_PAIR && labelSmoothing == 0) {
            throw new BadInputException("--loss exo_pair needs --label-smoothing > 0, as TRL 1.13 requires (the EXO paper uses 1e-3)");
        }
        if (!(discopopTau > 0) || !Double.isFinite(discopopTau)) throw new BadInputException("--discopop-tau must be > 0, got " + discopopTau);
        tokenizationMode();
        if (referenceFree && (refModel != null || precomputeRef)) {
            throw new BadInputException("--reference-free uses no reference; drop --ref-model / --precompute-ref");
        }
        lossType();
    }
}
