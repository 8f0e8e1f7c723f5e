package jdpo.dpo;

import jdpo.gpt2.Gpt2;
import jdpo.tensor.Parallel;
import jdpo.tensor.Tensor;

/**
 * One DPO forward and backward over a batch, in the order of the data flow:
 *
 * <pre>
 *   policy forward over 2B rows           -> logits [2B, T, V]
 *   sequence log-probs                    -> pi_c [B], pi_r [B]
 *   reference log-probs                   -> ref_c [B], ref_r [B]
 *   loss(pi_c, pi_r, ref_c, ref_r)        -> mean loss, dLoss/dpi_c, dLoss/dpi_r
 *   d/dlogits, then the policy's backward -> parameter gradients (accumulated)
 * </pre>
 */
public final class DpoStep {
    private final Gpt2 policy;
    private final Reference reference;
    private final DpoLoss loss;
    private final RpoTerm rpo;
    private final SequenceLogProbs logps;
    private Timings timings;

    /** Seconds spent in each phase, summed over the batches run while attached (for benchmarks). */
    public static final class Timings {
        public double policyForward, referenceForward, loss, backward;
    }

    /** Records the time of each phase into {@code t} from now on (null stops recording). */
    public void recordTimings(Timings t) {
        this.timings = t;
    }

    /**
     * What one batch gave: the loss and its gradient, and the numbers TRL logs about the batch.
     *
     * <p>The log-probs and rewards here are always sums over each response, as TRL 1.x logs them,
     * even when the loss reads per-token means (IPO, {@code --average-logps}): then {@link #loss}
     * holds the loss of the means and {@link #rewards} the rewards of the sums.
     */
    public static final class Result {
        /** The loss, its gradient with respect to the log-probs the loss read, and each pair's loss. */
        public final BatchLoss loss;
        /** The reward metrics (beta times the summed log-ratios); the same object as {@link #loss} without averaging. */
        public final BatchLoss rewards;
        /** The loss including the RPO term, if any; what the gradient is of. */
        public final double totalLoss;
        /** {@code [B]} each: log-probs summed over each response (and its eos). */
        public final double[] policyChosenLogps, policyRejectedLogps, refChosenLogps, refRejectedLogps;
        /** Mean logit over the scored positions (and the vocabulary) of the chosen / rejected rows. */
        public final double meanChosenLogits, meanRejectedLogits;
        /** Mean entropy (nats) of the policy's next-token distribution over the scored positions of all rows. */
        public final double entropy;
        /** Fraction of the chosen responses' tokens that are the policy's most likely next token. */
        public final double chosenTokenAccuracy;
        public final int tokens;

        Result(BatchLoss loss, BatchLoss rewards, double totalLoss, double[] pc, double[] pr, double[] rc, double[] rr,
               double meanChosenLogits, double meanRejectedLogits, double entropy, double chosenTokenAccuracy, int tokens) {
            this.loss = loss;
            this.rewards = rewards;
            this.totalLoss = totalLoss;
            this.policyChosenLogps = pc;
            this.policyRejectedLogps = pr;
            this.refChosenLogps = rc;
            this.refRejectedLogps = rr;
            this.meanChosenLogits = meanChosenLogits;
            this.meanRejectedLogits = meanRejectedLogits;
            this.entropy = entropy;
            this.chosenTokenAccuracy = chosenTokenAccuracy;
            this.tokens = tokens;
        }
    }

    /**
     * @param averageLogps use per-token mean log-probs instead of sums (IPO's convention)
     * @param rpo          the NLL term on chosen responses, or null
     */
    public DpoStep(Gpt2 policy, Reference reference, DpoLoss loss, boolean averageLogps, RpoTerm rpo) {
        this.policy = policy;
        this.reference = reference;
        this.loss = loss;
        this.rpo = rpo != null && rpo.alpha() > 0 ? rpo : null;
        this.logps = new SequenceLogProbs(averageLogps);
    }

    public DpoLoss loss() {
        return loss;
    }

    /**
     * Runs the batch. With {@code backward}, adds {@code gradScale} times the gradient of the mean
     * loss to the policy's parameter gradients (gradScale = 1 / accumulation steps).
     */
    public Result run(PreferenceBatch batch, int[] pairIds, boolean backward, double gradScale) {
        int B = batch.pairs, rows = batch.rows, T = batch.T;
        Parallel par = policy.kernels().parallel();

        long t0 = System.nanoTime();
        Tensor logits = policy.forward(batch.ids, rows, T);
        double[] pi = logps.forward(par, logits, batch.targets, rows, T);
        long t1 = System.nanoTime();
        double[] ref = reference.logps(batch, pairIds);
        long t2 = System.nanoTime();

        double[] pc = slice(pi, 0, B), pr = slice(pi, B, 2 * B);
        double[] rc = slice(ref, 0, B), rr = slice(ref, B, 2 * B);
        BatchLoss bl = loss.batch(pc, pr, rc, rr);
        BatchLoss rewards = bl;
        if (logps.average()) {
            // The loss read per-token means; what is logged are sums, as TRL logs them.
            pc = summed(pc, batch, 0);
            pr = summed(pr, batch, B);
            rc = summed(rc, batch, 0);
            rr = summed(rr, batch, B);
            rewards = loss.batch(pc, pr, rc, rr);
        }

        double total = bl.loss();
        double rpoTokenGrad = 0;
        int chosenTokens = 0;
        if (rpo != null) {
            double sumChosen = 0;
            float[] tok = logps.tokenLogps();
            for (int r = 0; r < B; r++) {
                for (int t = 0; t < T; t++) {
                    if (batch.targets[r * T + t] >= 0) {
                        sumChosen += tok[r * T + t];
                        chosenTokens++;
                    }
                }
            }
            total += rpo.loss(sumChosen, chosenTokens);
            rpoTokenGrad = rpo.tokenGradient(chosenTokens);
        }

        LogitStats stats = LogitStats.of(par, logits, batch);
        double meanC = stats.meanLogit(0, B), meanR = stats.meanLogit(B, rows);
        double entropy = stats.meanEntropy(0, rows), accuracy = stats.accuracy(0, B);
        long t3 = System.nanoTime();
        if (backward) {
            double[] dRow = new double[rows];
            double[] dToken = rpo == null ? null : new double[rows];
            for (int i = 0; i < B; i++) {
                dRow[i] = gradScale * bl.gradPolicyChosen()[i];
                dRow[B + i] = gradScale * bl.gradPolicyRejected()[i];
                if (dToken != null) dToken[i] = gradScale * rpoTokenGrad;
            }
            logps.backward(par, policy.logitsGrad(), logits, batch.targets, dRow, dToken, rows, T);
            policy.backward();
        }
        if (timings != null) {
            timings.policyForward += (t1 - t0) / 1e9;
            timings.referenceForward += (t2 - t1) / 1e9;
            timings.loss += (t3 - t2) / 1e9;
            timings.backward += (System.nanoTime() - t3) / 1e9;
        }
        return new Result(bl, rewards, total, pc, pr, rc, rr, meanC, meanR, entropy, accuracy, batch.realTokens());
    }

    /** Per-token means back to sums: row {@code firstRow + i} has {@code responseTokens} scored tokens. */
    private static double[] summed(double[] means, PreferenceBatch batch, int firstRow) {
        double[] sums = new double[means.length];
        for (int i = 0; i < means.length; i++) sums[i] = means[i] * batch.responseTokens[firstRow + i];
        return sums;
    }

    private static double[] slice(double[] a, int from, int to) {
        return java.util.Arrays.copyOfRange(a, from, to);
    }

    /**
     * What TRL logs about the logits at the scored positions, summed per row in one pass over
     * them: the logits' sum over the vocabulary, the entropy of softmax(logits)
     * ({@code H = logsumexp(z) - sum_v softmax(z)_v z_v}), and whether the target is the
     * arg-max (the first, on ties). Rows are split over the threads and their sums added in row
     * order, so no thread count changes a bit.
     */
    private record LogitStats(int V, double[] logitSums, double[] entropySums, int[] correct, int[] positions) {

        static LogitStats of(Parallel par, Tensor logits, PreferenceBatch batch) {
            int rows = batch.rows, T = batch.T, V = logits.dim(-1);
            float[] z = logits.data;
            LogitStats s = new LogitStats(V, new double[rows], new double[rows], new int[rows], new int[rows]);
            par.forRange(rows, (from, to) -> {
                for (int r = from; r < to; r++) {
                    for (int t = 0; t < T; t++) {
                        int target = batch.targets[r * T + t];
                        if (target < 0) continue;
                        int base = logits.offset + (r * T + t) * V, best = 0;
                        double sum = 0;
                        for (int v = 0; v < V; v++) {
                            sum += z[base + v];
                            if (z[base + v] > z[base + best]) best = v;
                        }
                        double max = z[base + best], partition = 0, weighted = 0;
                        for (int v = 0; v < V; v++) {
                            double e = Math.exp(z[base + v] - max);
                            partition += e;
                            weighted += e * (z[base + v] - max);
                        }
                        s.logitSums[r] += sum;
                        s.entropySums[r] += Math.log(partition) - weighted / partition;
                        if (best == target) s.correct[r]++;
                        s.positions[r]++;
                    }
                }
            });
            return s;
        }

        /** TRL's logits/chosen and logits/rejected: the mean logit over the scored positions of rows [from, to) and the vocabulary. */
        double meanLogit(int from, int to) {
            long n = (long) count(positions, from, to) * V;
            return n == 0 ? 0 : sum(logitSums, from, to) / n;
        }

        /** TRL's entropy: the mean entropy over the scored positions of rows [from, to). */
        double meanEntropy(int from, int to) {
            int n = count(positions, from, to);
            return n == 0 ? 0 : sum(entropySums, from, to) / n;
        }

        /** TRL's mean_token_accuracy: the fraction of the scored positions of rows [from, to) whose target is the arg-max. */
        double accuracy(int from, int to) {
            int n = count(positions, from, to);
            return n == 0 ? 0 : (double) count(correct, from, to) / n;
        }

        private static double sum(double[] a, int from, int to) {
            double s = 0;
            for (int i = from; i < to; i++) s += a[i];
            return s;
        }

        private static int count(int[] a, int from, int to) {
            int s = 0;
            for (int i = from; i < to; i++) s += a[i];
            return s;
        }
    }
}
