package jdpo.tokenizer;

import java.util.Arrays;

/**
 * The ranked merge rules of a BPE vocabulary: rule {@code r} joins the adjacent tokens
 * {@code left(r)}, {@code right(r)} into {@code merged(r)}; a lower rank was learned earlier and
 * applies first. These are the lines of {@code merges.txt}, in order, as token ids.
 */
final class Merges {

    private static final long EMPTY = -1L;

    private final int[] left, right, merged;
    /** Open-addressing table from the pair key {@code left << 32 | right} to its rank. */
    private final long[] keys;
    private final int[] ranks;
    private final int mask;

    /** Rule r joins left[r] and right[r] into merged[r]. A pair may appear once. */
    Merges(int[] left, int[] right, int[] merged) {
        this.left = left.clone();
        this.right = right.clone();
        this.merged = merged.clone();
        int capacity = Integer.highestOneBit(Math.max(4, left.length * 2 + 1)) * 2;
        keys = new long[capacity];
        ranks = new int[capacity];
        mask = capacity - 1;
        Arrays.fill(keys, EMPTY);
        for (int r = 0; r < left.length; r++) {
            long key = key(left[r], right[r]);
            int slot = slot(key);
            if (keys[slot] == key) throw new IllegalArgumentException("duplicate merge at rank " + r);
            keys[slot] = key;
            ranks[slot] = r;
        }
    }

    int count() {
        return left.length;
    }

    int left(int rank) {
        return left[rank];
    }

    int right(int rank) {
        return right[rank];
    }

    int merged(int rank) {
        return merged[rank];
    }

    /** The rank of the rule joining {@code a} then {@code b}, or -1 if there is none. */
    int rank(int a, int b) {
        long key = key(a, b);
        int slot = slot(key);
        return keys[slot] == key ? ranks[slot] : -1;
    }

    private static long key(int a, int b) {
        return ((long) a << 32) | (b & 0xFFFFFFFFL);
    }

    /** The slot holding {@code key}, or the empty slot where it would go (linear probing). */
    private int slot(long key) {
        int i = (int) ((key * 0x9E3779B97F4A7C15L) >>> 40) & mask;
        while (keys[i] != EMPTY && keys[i] != key) i = (i + 1) & mask;
        return i;
    }

    /**
     * Applies the rules to one pre-token's tokens until none applies: repeatedly merge the
     * adjacent pair of lowest rank, the leftmost one among equals. This is GPT-2's {@code bpe()}
     * (which merges every occurrence of the best pair left to right before looking again), found
     * with a heap of (rank, position) in O(n log n) so that even a megabyte-long run of one letter
     * is fast.
     *
     * @param word token ids of a pre-token, usually its byte tokens; not modified
     * @return the merged token ids
     */
    int[] apply(int[] word) {
        int n = word.length;
        if (n < 2) return word;
        int[] sym = word.clone(); // -1 marks a position merged into its left neighbour
        int[] next = new int[n], prev = new int[n];
        for (int i = 0; i < n; i++) {
            next[i] = i + 1;
            prev[i] = i - 1;
        }
        LongHeap heap = new LongHeap(3 * n); // n-1 initial pairs, at most 2 new pairs per merge
        for (int i = 0; i + 1 < n; i++) heap.pushPair(rank(sym[i], sym[i + 1]), i);
        int alive = n;
        while (!heap.isEmpty()) {
            long top = heap.pop();
            int r = (int) (top >>> 32), i = (int) top;
            int j = next[i];
            // Entries go stale when a neighbour merges; the pair at i must still be this rule's.
            if (sym[i] != left[r] || j >= n || sym[j] != right[r]) continue;
            sym[i] = merged[r];
            sym[j] = -1;
            alive--;
            next[i] = next[j];
            if (next[i] < n) prev[next[i]] = i;
            if (prev[i] >= 0) heap.pushPair(rank(sym[prev[i]], sym[i]), prev[i]);
            if (next[i] < n) heap.pushPair(rank(sym[i], sym[next[i]]), i);
        }
        int[] out = new int[alive];
        for (int i = 0, k = 0; i < n; i = next[i]) out[k++] = sym[i];
        return out;
    }

    /** A binary min-heap of {@code rank << 32 | position}: lowest rank first, then leftmost. */
    private static final class LongHeap {
        private final long[] a;
        private int size;

        LongHeap(int capacity) {
            a = new long[capacity];
        }

        boolean isEmpty() {
            return size == 0;
        }

        void pushPair(int rank, int position) {
            if (rank < 0) return;
            long v = ((long) rank << 32) | position;
            int i = size++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (a[parent] <= v) break;
                a[i] = a[parent];
                i = parent;
            }
            a[i] = v;
        }

        long pop() {
            long top = a[0], v = a[--size];
            int i = 0;
            while (true) {
                int c = 2 * i + 1;
                if (c >= size) break;
                if (c + 1 < size && a[c + 1] < a[c]) c++;
                if (v <= a[c]) break;
                a[i] = a[c];
                i = c;
            }
            a[i] = v;
            return top;
        }
    }
}
