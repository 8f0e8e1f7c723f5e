package jdpo.report;

import jdpo.dpo.DpoLoss;
import jdpo.dpo.PreferencePair;
import jdpo.dpo.ResponseLogProbs;
import jdpo.gpt2.Gpt2Params;
import jdpo.tensor.Kernels;
import jdpo.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * One preference pair under the trained policy and the reference, token by token: what the
 * report's second section shows. For each response token y_j,
 * {@code log pi(y_j | x, y_<j)} and {@code log pi_ref(y_j | x, y_<j)} (from
 * {@link ResponseLogProbs}, end-of-text included, as DPO scores a response); their sums are the
 * sequence log-probs, and from those the DPO loss of the pair:
 * <pre>
 *   log-ratio  r_w = log pi(y_w|x) - log pi_ref(y_w|x),   r_l likewise
 *   loss       -log sigmoid(beta (r_w - r_l))             (ln 2 while pi = pi_ref)
 * </pre>
 *
 * @param source where the pair comes from ("training pair 3 of pairs.jsonl", "held-out ...")
 * @param heldOut true for a pair the policy never trained on
 */
public record TokenByToken(String source, boolean heldOut, String prompt, Response chosen, Response rejected, DpoLoss loss) {

    /** One response token: its text and its log-prob under both models. */
    public record Token(String text, double logp, double refLogp) {
        /** How far training moved this token's log-prob: {@code log pi - log pi_ref}. */
        public double change() {
            return logp - refLogp;
        }
    }

    /** A response's tokens and the sums over them. */
    public record Response(String text, List<Token> tokens) {
        /** log pi(y|x). */
        public double logp() {
            double s = 0;
            for (Token t : tokens) s += t.logp;
            return s;
        }

        /** log pi_ref(y|x). */
        public double refLogp() {
            double s = 0;
            for (Token t : tokens) s += t.refLogp;
            return s;
        }

        /** log pi(y|x) - log pi_ref(y|x). */
        public double logRatio() {
            return logp() - refLogp();
        }
    }

    /**
     * Scores {@code pair} under {@code policy} and {@code reference}; a {@code null} reference
     * is a reference-free run, where every log pi_ref is 0.
     */
    public static TokenByToken of(String source, boolean heldOut, PreferencePair pair, Gpt2Params policy, Gpt2Params reference,
                                  Kernels kernels, Tokenizer tok, DpoLoss loss) {
        return new TokenByToken(source, heldOut, pair.prompt, response(pair.prompt, pair.chosen, policy, reference, kernels, tok),
                response(pair.prompt, pair.rejected, policy, reference, kernels, tok), loss);
    }

    private static Response response(String prompt, String text, Gpt2Params policy, Gpt2Params reference, Kernels kernels, Tokenizer tok) {
        ResponseLogProbs.Result p = ResponseLogProbs.compute(policy, kernels, tok, prompt, text, true);
        double[] ref = reference == null ? new double[p.logprobs.length]
                : ResponseLogProbs.compute(reference, kernels, tok, prompt, text, true).logprobs;
        List<Token> tokens = new ArrayList<>();
        for (int j = 0; j < p.responseIds.length; j++) tokens.add(new Token(tok.tokenText(p.responseIds[j]), p.logprobs[j], ref[j]));
        return new Response(text, tokens);
    }

    /** r_w - r_l: the difference of the two log-ratios. */
    public double difference() {
        return chosen.logRatio() - rejected.logRatio();
    }

    /** beta (r_w - r_l): the implied reward margin, the sigmoid's argument. */
    public double margin() {
        return loss.beta() * difference();
    }

    /** sigmoid(beta (r_w - r_l)): how sure the policy is that y_w comes first. */
    public double sigmoid() {
        return DpoLoss.sigmoid(margin());
    }

    /** The pair's loss under the run's loss function. */
    public double lossValue() {
        return loss.pair(chosen.logp(), rejected.logp(), chosen.refLogp(), rejected.refLogp()).loss();
    }
}
