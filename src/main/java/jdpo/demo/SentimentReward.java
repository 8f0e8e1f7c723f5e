package jdpo.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The demo's ground-truth reward, standing in for the sentiment classifier of the DPO paper's
 * IMDb experiment: how positive a text is, from the word polarities of {@link SentimentLexicon}.
 *
 * <pre>
 *   score(text)  = sum over words w of s(w) * polarity(w)        (an integer)
 *   reward(text) = clamp(score, -3, 3) / 3                         (in [MIN, MAX] = [-1, 1])
 * </pre>
 *
 * s(w) is -1 when w is the first sentiment word within the {@value #NEGATION_WINDOW} words after a
 * negator ("not bad" scores +1, "not very good" -1, "would not recommend" -1), else +1. A text
 * with no sentiment words scores exactly 0; so does a balanced one ("great , but ... awful").
 * Three points of praise (one strong and one mild word, or two strong words) reach {@link #MAX}.
 * Any string is accepted: words are runs of letters and apostrophes, case and punctuation are
 * ignored, unknown words score 0, so garbled model samples get a reward in range too.
 */
public final class SentimentReward {
    /** The lowest reward, reached by a score of -3 or below. */
    public static final double MIN = -1.0;
    /** The highest reward, reached by a score of +3 or above. */
    public static final double MAX = 1.0;
    /** The |score| at which the reward saturates. */
    public static final int SATURATION = 3;
    /** How many words after a negator it can still flip a sentiment word. */
    public static final int NEGATION_WINDOW = 2;

    public double min() {
        return MIN;
    }

    public double max() {
        return MAX;
    }

    /** The reward of a text: {@code clamp(score(text), -3, 3) / 3}, in [{@link #MIN}, {@link #MAX}]. */
    public double reward(String text) {
        int score = score(text);
        return Math.max(-SATURATION, Math.min(SATURATION, score)) / (double) SATURATION;
    }

    /** The text's integer lexicon score: polarities summed, each flipped when a negator precedes it. */
    public int score(String text) {
        int score = 0;
        int negatedUntil = -1; // index of the last word an open negation still reaches
        List<String> words = words(text);
        for (int i = 0; i < words.size(); i++) {
            String w = words.get(i);
            if (SentimentLexicon.isNegator(w)) {
                negatedUntil = i + NEGATION_WINDOW;
                continue;
            }
            int p = SentimentLexicon.polarity(w);
            if (p == 0) continue;
            if (i <= negatedUntil) {
                p = -p;
                negatedUntil = -1; // a negation flips one sentiment word, not the rest of the text
            }
            score += p;
        }
        return score;
    }

    /**
     * The lowercase words of any text: maximal runs of ASCII letters and apostrophes (a right
     * single quotation mark counts as one), with apostrophes at either end dropped.
     */
    public static List<String> words(String text) {
        Objects.requireNonNull(text, "text");
        String lower = text.toLowerCase(Locale.ROOT).replace('\u2019', '\'');
        List<String> words = new ArrayList<>();
        int i = 0;
        while (i < lower.length()) {
            while (i < lower.length() && !isWordChar(lower.charAt(i))) i++;
            int start = i;
            while (i < lower.length() && isWordChar(lower.charAt(i))) i++;
            int from = start, to = i;
            while (from < to && lower.charAt(from) == '\'') from++;
            while (to > from && lower.charAt(to - 1) == '\'') to--;
            if (from < to) words.add(lower.substring(from, to));
        }
        return words;
    }

    private static boolean isWordChar(char c) {
        return (c >= 'a' && c <= 'z') || c == '\'';
    }
}
