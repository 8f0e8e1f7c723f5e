package jdpo.tokenizer;

import jdpo.tensor.Rng;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** The heap-based merge loop agrees with GPT-2's bpe() written out naively, on random rule sets. */
class MergesTest {

    @TestFactory
    List<DynamicTest> heapMergesAsGpt2Bpe() {
        List<DynamicTest> tests = new ArrayList<>();
        for (long seed = 1; seed <= 200; seed++) {
            long s = seed;
            int alphabet = 2 + (int) (seed % 4), rules = 1 + (int) (seed % 23);
            tests.add(DynamicTest.dynamicTest("seed=" + s + " alphabet=" + alphabet + " rules=" + rules,
                    () -> check(new Rng(s), alphabet, rules)));
        }
        return tests;
    }

    private static void check(Rng rng, int alphabet, int nRules) {
        // Each rule joins two tokens that exist by then into a new one, as training produces.
        int[] left = new int[nRules], right = new int[nRules], merged = new int[nRules];
        Set<Long> seen = new HashSet<>();
        int tokens = alphabet, r = 0;
        while (r < nRules) {
            int a = rng.nextInt(tokens), b = rng.nextInt(tokens);
            if (!seen.add(((long) a << 32) | b)) continue;
            left[r] = a;
            right[r] = b;
            merged[r] = tokens++;
            r++;
        }
        Merges merges = new Merges(left, right, merged);
        for (int w = 0; w < 30; w++) {
            int[] word = new int[rng.nextInt(0, 40)];
            for (int i = 0; i < word.length; i++) word[i] = rng.nextInt(alphabet);
            assertArrayEquals(naive(merges, word), merges.apply(word), Arrays.toString(word));
        }
    }

    /** GPT-2's encoder.py bpe(): find the lowest-ranked pair, merge all of it left to right, repeat. */
    private static int[] naive(Merges merges, int[] word) {
        int[] w = word.clone();
        while (w.length > 1) {
            int best = -1;
            for (int i = 0; i + 1 < w.length; i++) {
                int r = merges.rank(w[i], w[i + 1]);
                if (r >= 0 && (best < 0 || r < best)) best = r;
            }
            if (best < 0) break;
            w = BpeTrainer.mergeAll(w, merges.left(best), merges.right(best), merges.merged(best));
        }
        return w;
    }
}
