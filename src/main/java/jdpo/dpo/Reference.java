package jdpo.dpo;

/**
 * The reference policy pi_ref of DPO: log pi_ref(y|x) for every row of a batch. It never trains.
 */
public interface Reference {

    /**
     * Log-probs of the batch's rows, {@code [2B]}: the B chosen rows, then the B rejected rows.
     *
     * @param pairIds each pair's index in the dataset, {@code [B]} (a precomputed reference looks
     *                them up)
     */
    double[] logps(PreferenceBatch batch, int[] pairIds);

    /** A human-readable description for logs. */
    String describe();

    /** No reference: log pi_ref = 0 for every row (reference-free DPO). */
    Reference NONE = new Reference() {
        @Override
        public double[] logps(PreferenceBatch batch, int[] pairIds) {
            return new double[batch.rows];
        }

        @Override
        public String describe() {
            return "none (reference-free)";
        }
    };
}
