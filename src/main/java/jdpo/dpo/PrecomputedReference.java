package jdpo.dpo;

import java.util.List;
import java.util.function.IntConsumer;

/**
 * The reference's log-probs computed once for every pair before training, so the reference
 * model need not stay in memory (TRL's {@code precompute_ref_log_probs}).
 */
public final class PrecomputedReference implements Reference {
    private final double[] chosen;
    private final double[] rejected;
    private final String description;

    /** Runs {@code model} over all pairs in batches of {@code batchSize}; {@code progress} sees pairs done. */
    public PrecomputedReference(Reference model, List<EncodedPair> pairs, int batchSize, int padId, IntConsumer progress) {
        int n = pairs.size();
        chosen = new double[n];
        rejected = new double[n];
        for (int from = 0; from < n; from += batchSize) {
            int to = Math.min(n, from + batchSize);
            PreferenceBatch batch = new PreferenceBatch(pairs.subList(from, to), padId);
            int[] ids = new int[to - from];
            for (int i = 0; i < ids.length; i++) ids[i] = from + i;
            double[] rowLogps = model.logps(batch, ids);
            for (int i = 0; i < ids.length; i++) {
                chosen[from + i] = rowLogps[i];
                rejected[from + i] = rowLogps[batch.pairs + i];
            }
            if (progress != null) progress.accept(to);
        }
        this.description = model.describe() + ", precomputed";
    }

    @Override
    public double[] logps(PreferenceBatch batch, int[] pairIds) {
        double[] out = new double[batch.rows];
        for (int i = 0; i < batch.pairs; i++) {
            out[i] = chosen[pairIds[i]];
            out[batch.pairs + i] = rejected[pairIds[i]];
        }
        return out;
    }

    @Override
    public String describe() {
        return description;
    }
}
