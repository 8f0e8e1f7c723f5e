package jdpo.demo;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The word list behind {@link SentimentReward}: a polarity for each sentiment word (+2 strong
 * praise, +1 mild praise, -1 mild criticism, -2 strong criticism; every other word 0) and the
 * negators that flip the next sentiment word. Written for the demo's review world, with a few
 * dozen common review words it never generates, so a model's own wording is scored too.
 */
public final class SentimentLexicon {
    private static final String STRONG_POSITIVE = "wonderful brilliant superb excellent amazing"
            + " fantastic outstanding magnificent stunning terrific marvelous perfect delightful"
            + " beautiful flawless unforgettable breathtaking great awesome incredible masterpiece"
            + " delight joy treat triumph gem pleasure love loved loves adore adored best";
    private static final String MILD_POSITIVE = "good nice solid enjoyable charming clever fun"
            + " pleasant engaging moving moved funny touching fresh gripping impressive memorable"
            + " entertaining witty recommend recommended hooked smile laugh enjoy enjoyed liked glad"
            + " worth decent better";
    private static final String MILD_NEGATIVE = "bad boring dull weak poor bland silly flat slow"
            + " predictable forgettable messy tedious clumsy stiff lifeless confusing annoying"
            + " mediocre bored asleep frown regret disliked sorry worse stupid";
    private static final String STRONG_NEGATIVE = "awful terrible horrible dreadful atrocious"
            + " painful pathetic abysmal appalling unwatchable disastrous laughable lousy"
            + " embarrassing worst disaster failure disappointment letdown waste garbage hate hated"
            + " hates despise despised";
    private static final Set<String> NEGATORS = Set.of("not", "no", "never", "nothing", "hardly",
            "cannot", "dont", "doesnt", "didnt", "isnt", "wasnt", "arent", "werent", "cant",
            "couldnt", "wont", "wouldnt", "shouldnt");

    private static final Map<String, Integer> POLARITY = new HashMap<>();

    static {
        put(STRONG_POSITIVE, 2);
        put(MILD_POSITIVE, 1);
        put(MILD_NEGATIVE, -1);
        put(STRONG_NEGATIVE, -2);
    }

    private static void put(String words, int polarity) {
        for (String w : words.split(" ")) {
            if (POLARITY.put(w, polarity) != null) throw new IllegalStateException("listed twice: " + w);
        }
    }

    private SentimentLexicon() {}

    /** The polarity of a lowercase word: -2, -1, +1, +2, or 0 for a word not in the lexicon. */
    public static int polarity(String word) {
        return POLARITY.getOrDefault(word, 0);
    }

    /** Whether a lowercase word negates: "not", "never", "no", and any contraction ending in n't. */
    public static boolean isNegator(String word) {
        return NEGATORS.contains(word) || word.endsWith("n't");
    }

    /** Every word with a nonzero polarity, for tests and for reports. */
    public static Set<String> sentimentWords() {
        return Set.copyOf(POLARITY.keySet());
    }
}
