package jdpo.dpo;

import jdpo.nn.TokenLogProbs;

import java.util.Arrays;
import java.util.List;

/**
 * B pairs as one forward pass: 2B right-padded rows, the B chosen rows first and then the B
 * rejected rows, and for every position the token it should predict.
 *
 * <p>{@code targets[r*T + t]} is the id at position t+1 when that id belongs to the response
 * (eos included), and -1 elsewhere (prompt and padding): the completion mask. With right padding
 * and a causal model, padding needs no attention mask.
 */
public final class PreferenceBatch {
    /** Pairs in the batch. */
    public final int pairs;
    /** Rows: 2 * pairs. */
    public final int rows;
    /** Length of every row (the longest one; shorter rows are padded). */
    public final int T;
    /** Token ids, row-major {@code [rows, T]}. */
    public final int[] ids;
    /** Next-token targets, {@code [rows, T]}, -1 where not scored. */
    public final int[] targets;
    /** Scored tokens per row. */
    public final int[] responseTokens;
    /** Tokens per row before padding. */
    public final int[] rowLengths;
    /** Pairs that were truncated to fit. */
    public final int truncatedPairs;

    public PreferenceBatch(List<EncodedPair> batch, int padId) {
        if (batch.isEmpty()) throw new IllegalArgumentException("a batch needs at least one pair");
        pairs = batch.size();
        rows = 2 * pairs;
        int t = 0, truncated = 0;
        for (EncodedPair p : batch) {
            t = Math.max(t, p.maxRowLength());
            if (p.truncated) truncated++;
        }
        T = t;
        truncatedPairs = truncated;
        ids = new int[rows * T];
        targets = new int[rows * T];
        responseTokens = new int[rows];
        rowLengths = new int[rows];
        Arrays.fill(ids, padId);
        Arrays.fill(targets, -1);
        for (int i = 0; i < pairs; i++) {
            EncodedPair p = batch.get(i);
            fillRow(i, p.promptIds, p.chosenIds);
            fillRow(pairs + i, p.promptIds, p.rejectedIds);
        }
    }

    private void fillRow(int r, int[] prompt, int[] response) {
        int base = r * T;
        System.arraycopy(prompt, 0, ids, base, prompt.length);
        System.arraycopy(response, 0, ids, base + prompt.length, response.length);
        // Response token j sits at position prompt.length + j and is predicted from the position before.
        TokenLogProbs.nextTokenTargets(ids, targets, base + prompt.length - 1, base + prompt.length + response.length);
        responseTokens[r] = response.length;
        rowLengths[r] = prompt.length + response.length;
    }

    /** Tokens in the batch, prompt and responses, padding excluded. */
    public int realTokens() {
        int n = 0;
        for (int len : rowLengths) n += len;
        return n;
    }
}
