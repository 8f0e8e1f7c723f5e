package jdpo.demo;

import jdpo.dpo.DpoLoss;
import jdpo.dpo.ResponseLogProbs;
import jdpo.gpt2.Gpt2Params;
import jdpo.tensor.Kernels;
import jdpo.tokenizer.Tokenizer;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * One DPO loss walked through with real numbers (the demo's "one pair by the numbers"): each response token by token under
 * the policy and the reference, the two log-ratios, their difference, times beta, the sigmoid,
 * the loss.
 */
final class Walkthrough {
    private Walkthrough() {}

    static void print(PrintWriter out, Gpt2Params policy, Gpt2Params reference, Kernels k, Tokenizer tok,
                      String prompt, String chosen, String rejected, double beta) {
        out.printf("prompt x            %s%n", quote(prompt));
        double[] w = response(out, "chosen y_w", policy, reference, k, tok, prompt, chosen);
        double[] l = response(out, "rejected y_l", policy, reference, k, tok, prompt, rejected);
        double ratioW = w[0] - w[1], ratioL = l[0] - l[1], z = ratioW - ratioL;
        DpoLoss loss = DpoLoss.standard(beta);
        double value = loss.pair(w[0], l[0], w[1], l[1]).loss();
        out.printf(Locale.ROOT, "%n  log-ratio of y_w   log pi(y_w|x) - log pi_ref(y_w|x) = %9.4f - %9.4f = %8.4f%n", w[0], w[1], ratioW);
        out.printf(Locale.ROOT, "  log-ratio of y_l   log pi(y_l|x) - log pi_ref(y_l|x) = %9.4f - %9.4f = %8.4f%n", l[0], l[1], ratioL);
        out.printf(Locale.ROOT, "  difference         %8.4f - (%8.4f)               = %8.4f%n", ratioW, ratioL, z);
        out.printf(Locale.ROOT, "  times beta         %.3g * %.4f                        = %8.4f   (implied reward margin)%n", beta, z, beta * z);
        out.printf(Locale.ROOT, "  sigmoid            sigma(%.4f)                       = %8.4f   (how sure the policy ranks y_w first)%n",
                beta * z, DpoLoss.sigmoid(beta * z));
        out.printf(Locale.ROOT, "  loss               -log sigma(%.4f)                  = %8.4f   (ln 2 = 0.6931 when policy = reference)%n",
                beta * z, value);
        if (ratioW < 0) {
            out.printf("%n  The chosen log-ratio is negative: DPO made y_w less likely too. The loss only asks the margin%n"
                    + "  to grow, and the rejected response fell faster (notebooks/04-dpo-loss.ipynb, \"A few training steps\").%n");
        }
    }

    /** Prints one response's table (eos included, as DPO scores it) and returns {log pi(y|x), log pi_ref(y|x)}. */
    private static double[] response(PrintWriter out, String label, Gpt2Params policy, Gpt2Params reference, Kernels k,
                                     Tokenizer tok, String prompt, String response) {
        ResponseLogProbs.Result p = ResponseLogProbs.compute(policy, k, tok, prompt, response, true);
        ResponseLogProbs.Result r = ResponseLogProbs.compute(reference, k, tok, prompt, response, true);
        int[] y = p.responseIds;
        out.printf("%n  %-18s %14s %14s%n", label + ", token", "log pi", "log pi_ref");
        for (int j = 0; j < y.length; j++) {
            out.printf(Locale.ROOT, "  %-18s %14.4f %14.4f%n", quote(tok.tokenText(y[j])), p.logprobs[j], r.logprobs[j]);
        }
        out.printf(Locale.ROOT, "  %-18s %14.4f %14.4f%n", "sum", p.sum(), r.sum());
        return new double[] {p.sum(), r.sum()};
    }

    static String quote(String s) {
        return "\"" + s.replace("\n", "\\n") + "\"";
    }
}
