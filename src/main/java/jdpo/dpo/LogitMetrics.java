package jdpo.dpo;

import jdpo.tensor.Kernels;
import jdpo.tensor.Tensor;

/**
 * What TRL logs about the policy's logits {@code z [2B, T, V]} at the scored positions of a
 * batch: {@code logits/chosen} and {@code logits/rejected} (the mean logit), {@code entropy} (the
 * mean entropy of softmax(z)) and {@code mean_token_accuracy} (how often a chosen response's
 * target is the arg-max).
 *
 * <p>One pass over the logits sums, per row: the logits over the vocabulary, the entropy
 * {@code H = logsumexp(z) - sum_v softmax(z)_v z_v}, and whether the target is the arg-max (the
 * first, on ties); the exponentials come from the kernels, a chunk of the row at a time. Rows are
 * split over the threads and their sums added in row order, so no thread count changes a bit.
 */
final class LogitMetrics {
    private final Tensor logits;
    private final PreferenceBatch batch;
    private final Kernels kernels;
    private final int V;
    /** {@code [2B]} each: per-row sums over the row's scored positions. */
    private final double[] logitSums, entropySums;
    private final int[] correct, positions;

    private LogitMetrics(Kernels kernels, Tensor logits, PreferenceBatch batch) {
        this.kernels = kernels;
        this.logits = logits;
        this.batch = batch;
        this.V = logits.dim(-1);
        this.logitSums = new double[batch.rows];
        this.entropySums = new double[batch.rows];
        this.correct = new int[batch.rows];
        this.positions = new int[batch.rows];
    }

    /** The metrics of {@code logits [2B, T, V]} at the scored positions of {@code batch}. */
    static LogitMetrics of(Kernels k, Tensor logits, PreferenceBatch batch) {
        LogitMetrics m = new LogitMetrics(k, logits, batch);
        // One thread calls the row loop directly, so a debugger steps from here into it.
        if (k.parallel().isSerial()) m.addRows(0, batch.rows);
        else k.parallel().forRange(batch.rows, m::addRows);
        return m;
    }

    /** Logits per call to {@link Kernels#exp}: a scratch row that stays in L1. */
    private static final int CHUNK = 1024;

    /** Adds up rows {@code [from, to)}: the parallel loop's body. */
    private void addRows(int from, int to) {
        int T = batch.T;
        float[] z = logits.data, e = new float[Math.min(CHUNK, V)];
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
                // Shifted by the max so that exp never overflows; H does not change.
                float max = z[base + best];
                double partition = 0, weighted = 0;
                for (int v0 = 0; v0 < V; v0 += e.length) {
                    int len = Math.min(e.length, V - v0);
                    System.arraycopy(z, base + v0, e, 0, len);
                    kernels.exp(e, 0, len, max);
                    for (int v = 0; v < len; v++) {
                        partition += e[v];
                        weighted += e[v] * (double) (z[base + v0 + v] - max);
                    }
                }
                logitSums[r] += sum;
                entropySums[r] += Math.log(partition) - weighted / partition;
                if (best == target) correct[r]++;
                positions[r]++;
            }
        }
    }

    /** TRL's logits/chosen: the mean logit over the chosen rows' scored positions and the vocabulary. */
    double meanChosenLogit() {
        return meanLogit(0, batch.pairs);
    }

    /** TRL's logits/rejected: the same over the rejected rows. */
    double meanRejectedLogit() {
        return meanLogit(batch.pairs, batch.rows);
    }

    /** TRL's entropy: the mean entropy over the scored positions of all rows. */
    double meanEntropy() {
        int n = count(positions, 0, batch.rows);
        return n == 0 ? 0 : sum(entropySums, 0, batch.rows) / n;
    }

    /** TRL's mean_token_accuracy: the fraction of the chosen rows' scored positions whose target is the arg-max. */
    double chosenTokenAccuracy() {
        int n = count(positions, 0, batch.pairs);
        return n == 0 ? 0 : (double) count(correct, 0, batch.pairs) / n;
    }

    private double meanLogit(int from, int to) {
        long n = (long) count(positions, from, to) * V;
        return n == 0 ? 0 : sum(logitSums, from, to) / n;
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
