package jdpo.dpo;

/**
 * A preference pair as token ids, TRL's way (see {@link PairEncoder} for how the ids are found):
 * each response ends with the end-of-sequence token. A row of the batch is
 * {@code promptIds ++ chosenIds} (or {@code ++ rejectedIds}); only the response ids are scored.
 */
public final class EncodedPair {
    public final int[] promptIds;
    /** Chosen response ids, ending with eos unless truncated. */
    public final int[] chosenIds;
    /** Rejected response ids, ending with eos unless truncated. */
    public final int[] rejectedIds;
    /** True when the prompt or a response was cut to fit the length limits. */
    public final boolean truncated;

    public EncodedPair(int[] promptIds, int[] chosenIds, int[] rejectedIds, boolean truncated) {
        if (chosenIds.length == 0 || rejectedIds.length == 0) {
            throw new IllegalArgumentException("a response needs at least one token to score");
        }
        this.promptIds = promptIds;
        this.chosenIds = chosenIds;
        this.rejectedIds = rejectedIds;
        this.truncated = truncated;
    }

    /** Tokens of its two rows before padding (the prompt twice, both responses): what TRL counts in num_tokens. */
    public int tokens() {
        return 2 * promptIds.length + chosenIds.length + rejectedIds.length;
    }

    /** Length of the longer of the two rows. */
    public int maxRowLength() {
        return promptIds.length + Math.max(chosenIds.length, rejectedIds.length);
    }
}
