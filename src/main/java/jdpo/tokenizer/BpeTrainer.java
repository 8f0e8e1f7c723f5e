package jdpo.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.regex.Pattern;

/**
 * Learns a byte-level BPE vocabulary from text, the way GPT-2's was made: start from the 256
 * byte tokens, then repeatedly count every adjacent pair of tokens inside the pre-tokens of the
 * corpus (never across a {@link PreTokenizer} boundary) and merge the most frequent pair into a
 * new token, until the vocabulary is as large as asked. {@value Tokenizer#END_OF_TEXT} comes last.
 *
 * <p>Vocabulary: ids 0..255 are the bytes in GPT-2's order (so they equal GPT-2's byte ids),
 * then one token per merge in the order learned, then {@value Tokenizer#END_OF_TEXT}. The
 * result reads and writes as any GPT-2 tokenizer does.
 *
 * <p>Determinism: the pair merged next is the one with the highest count; among equal counts,
 * the pair with the smaller left token id, then the smaller right token id. The corpus's order
 * does not change the result.
 *
 * <p>Speed: pair counts are kept up to date incrementally. Each distinct pre-token is stored
 * once with its frequency; a merge touches only the pre-tokens that hold the pair (found through
 * a per-pair list of them) and a heap of (count, pair) with lazily dropped stale entries picks
 * the next pair.
 */
public final class BpeTrainer {

    private BpeTrainer() {
    }

    /**
     * @param corpus    documents; text around {@value Tokenizer#END_OF_TEXT} is treated as
     *                  separate documents and the marker itself is not learned
     * @param vocabSize target vocabulary size, at least 257 (256 bytes and the end-of-text token);
     *                  the result is smaller only if the corpus runs out of pairs to merge
     */
    public static Tokenizer train(Iterable<String> corpus, int vocabSize) {
        if (vocabSize < 257) {
            throw new IllegalArgumentException("vocabSize must be at least 257 (256 bytes + "
                    + Tokenizer.END_OF_TEXT + "), got " + vocabSize);
        }
        Vocabulary vocab = new Vocabulary();
        Words words = Words.of(countPreTokens(corpus), vocab.byteId);
        PairCounts pairs = new PairCounts();
        for (int w = 0; w < words.size(); w++) pairs.add(words.ids[w], words.freq[w], w, -1);
        PriorityQueue<Candidate> heap = new PriorityQueue<>(Candidate.ORDER);
        for (Pair p : pairs.all()) if (p.count > 0) heap.add(new Candidate(p, p.count));

        while (vocab.size() < vocabSize - 1 && !heap.isEmpty()) {
            Candidate c = heap.poll();
            Pair p = c.pair;
            if (p.count != c.count) { // stale: the count fell since this entry was pushed
                if (p.count > 0) heap.add(new Candidate(p, p.count));
                continue;
            }
            int merged = vocab.merge(p.left, p.right);
            mergeEverywhere(p, merged, words, pairs);
            for (Pair q : pairs.takeGrown()) heap.add(new Candidate(q, q.count));
        }
        return vocab.toTokenizer();
    }

    /**
     * Replaces pair {@code p} by token {@code merged} in every word that holds it, taking the
     * word's old pairs out of the counts and putting its new ones in.
     */
    private static void mergeEverywhere(Pair p, int merged, Words words, PairCounts pairs) {
        for (int k = 0; k < p.nWords; k++) {
            int v = p.words[k];
            if (!contains(words.ids[v], p.left, p.right)) continue;
            pairs.add(words.ids[v], -words.freq[v], v, -1);
            words.ids[v] = mergeAll(words.ids[v], p.left, p.right, merged);
            pairs.add(words.ids[v], words.freq[v], v, merged);
        }
        p.words = null; // every occurrence is merged; the list is never read again
        p.nWords = 0;
    }

    /** The tokens learned so far (the 256 bytes first, then one per new merge) and the merge rules. */
    private static final class Vocabulary {
        final Map<String, Integer> ids = new HashMap<>();
        final List<String> tokens = new ArrayList<>();
        final List<int[]> rules = new ArrayList<>();
        /** The token id of each byte value. */
        final int[] byteId = new int[256];

        Vocabulary() {
            for (int id = 0; id < 256; id++) {
                int b = ByteAlphabet.byteAt(id);
                byteId[b] = id;
                tokens.add(String.valueOf(ByteAlphabet.charOf(b)));
                ids.put(tokens.get(id), id);
            }
        }

        int size() {
            return tokens.size();
        }

        /** Records the rule (left, right) -> merged and returns merged's id, new or existing. */
        int merge(int left, int right) {
            String text = tokens.get(left) + tokens.get(right);
            Integer existing = ids.get(text); // two merge paths can spell the same token
            int merged = existing != null ? existing : tokens.size();
            if (existing == null) {
                tokens.add(text);
                ids.put(text, merged);
            }
            rules.add(new int[] {left, right, merged});
            return merged;
        }

        /** The vocabulary with {@value Tokenizer#END_OF_TEXT} last. */
        Tokenizer toTokenizer() {
            tokens.add(Tokenizer.END_OF_TEXT);
            int[][] r = new int[3][rules.size()];
            for (int k = 0; k < rules.size(); k++) for (int j = 0; j < 3; j++) r[j][k] = rules.get(k)[j];
            return new Tokenizer(tokens.toArray(new String[0]), new Merges(r[0], r[1], r[2]),
                    "a vocabulary trained by BpeTrainer");
        }
    }

    /** The distinct pre-tokens as token ids (bytes at first, merged in place) and how often each occurs. */
    private static final class Words {
        final int[][] ids;
        final long[] freq;

        private Words(int n) {
            ids = new int[n][];
            freq = new long[n];
        }

        static Words of(Map<String, long[]> counts, int[] byteId) {
            Words words = new Words(counts.size());
            int w = 0;
            for (Map.Entry<String, long[]> e : counts.entrySet()) {
                byte[] bytes = e.getKey().getBytes(StandardCharsets.UTF_8);
                words.ids[w] = new int[bytes.length];
                for (int i = 0; i < bytes.length; i++) words.ids[w][i] = byteId[bytes[i] & 0xFF];
                words.freq[w++] = e.getValue()[0];
            }
            return words;
        }

        int size() {
            return ids.length;
        }
    }

    /** Distinct pre-tokens with their counts (a long[1] box each, updated in place). */
    private static Map<String, long[]> countPreTokens(Iterable<String> corpus) {
        Map<String, long[]> counts = new LinkedHashMap<>();
        for (String doc : corpus) {
            for (String part : Utf8.withoutLoneSurrogates(doc).split(Pattern.quote(Tokenizer.END_OF_TEXT), -1)) {
                for (String piece : PreTokenizer.split(part)) counts.computeIfAbsent(piece, k -> new long[1])[0]++;
            }
        }
        return counts;
    }

    private static boolean contains(int[] word, int a, int b) {
        for (int i = 0; i + 1 < word.length; i++) if (word[i] == a && word[i + 1] == b) return true;
        return false;
    }

    /** Replaces every (a, b) by {@code merged}, left to right without overlaps ("aaa" -> "aa", "a"). */
    static int[] mergeAll(int[] word, int a, int b, int merged) {
        int[] out = new int[word.length];
        int n = 0;
        for (int i = 0; i < word.length; i++) {
            if (i + 1 < word.length && word[i] == a && word[i + 1] == b) {
                out[n++] = merged;
                i++;
            } else {
                out[n++] = word[i];
            }
        }
        return Arrays.copyOf(out, n);
    }

    /** An adjacent token pair, how often it occurs in the corpus and which words hold it. */
    private static final class Pair {
        final int left, right;
        long count;
        int[] words = new int[2];
        int nWords;
        boolean grown;

        Pair(int left, int right) {
            this.left = left;
            this.right = right;
        }

        void addWord(int w) {
            if (nWords > 0 && words[nWords - 1] == w) return;
            if (nWords == words.length) words = Arrays.copyOf(words, nWords * 2);
            words[nWords++] = w;
        }
    }

    /** The counts of all pairs, with the pairs made by the current merge remembered. */
    private static final class PairCounts {
        private final Map<Long, Pair> byKey = new HashMap<>();
        private final List<Pair> grown = new ArrayList<>();

        /**
         * Adds {@code delta} for every adjacent pair of {@code word} (word index {@code w});
         * pairs that hold token {@code fresh} are new, so they record the word and are
         * remembered as grown.
         */
        void add(int[] word, long delta, int w, int fresh) {
            for (int i = 0; i + 1 < word.length; i++) {
                long key = ((long) word[i] << 32) | word[i + 1];
                Pair p = byKey.get(key);
                if (p == null) {
                    p = new Pair(word[i], word[i + 1]);
                    byKey.put(key, p);
                }
                p.count += delta;
                if (delta > 0 && (fresh < 0 || word[i] == fresh || word[i + 1] == fresh)) {
                    p.addWord(w);
                    if (fresh >= 0 && !p.grown) {
                        p.grown = true;
                        grown.add(p);
                    }
                }
            }
        }

        Iterable<Pair> all() {
            return byKey.values();
        }

        /** The pairs that gained counts since the last call. */
        List<Pair> takeGrown() {
            List<Pair> out = new ArrayList<>(grown);
            for (Pair p : grown) p.grown = false;
            grown.clear();
            return out;
        }
    }

    /** A heap entry: a pair and its count when pushed (stale if the pair's count changed since). */
    private static final class Candidate {
        static final Comparator<Candidate> ORDER = Comparator
                .comparingLong((Candidate c) -> -c.count)
                .thenComparingInt(c -> c.pair.left)
                .thenComparingInt(c -> c.pair.right);

        final Pair pair;
        final long count;

        Candidate(Pair pair, long count) {
            this.pair = pair;
            this.count = count;
        }
    }
}
