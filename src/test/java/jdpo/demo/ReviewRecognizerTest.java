package jdpo.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import jdpo.demo.ReviewWorld.Review;
import jdpo.demo.ReviewWorld.Sentiment;
import jdpo.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link ReviewWorld#isContinuation}: it accepts every continuation the generator writes and
 * rejects the generator's continuations with one word dropped, two neighbours swapped or one
 * word repeated.
 */
class ReviewRecognizerTest {
    private static final ReviewWorld WORLD = new ReviewWorld();

    @Test
    void acceptsEveryGeneratedContinuationOfEverySentiment() {
        Rng rng = new Rng(21);
        for (Sentiment s : Sentiment.values()) {
            for (int i = 0; i < 50_000; i++) {
                String c = WORLD.continuation(rng, s);
                assertTrue(WORLD.isContinuation(c), s + ": " + c);
            }
        }
        for (int i = 0; i < 20_000; i++) {
            Review r = WORLD.sample(rng);
            assertTrue(WORLD.isContinuation(r.continuation()), r.continuation());
            assertFalse(WORLD.isContinuation(r.text()), "a whole review is not a continuation: " + r.text());
        }
    }

    /** The samples an over-trained policy wrote: the lexicon scores them +1, the grammar has no such sentences. */
    @ParameterizedTest
    @ValueSource(strings = {
        " perfect and it solid . I loved every minute of it .",
        " breathtaking , is enjoyed it a lot .",
        " good and I enjoyed it a lot .",            // one mild word is 1 point: the clause must be strong
        " wonderful and brilliant .",                // strong + mild, not strong + strong
        " truly wonderful and I loved every minute of it",  // no final " ."
        "truly wonderful and I loved every minute of it .", // no leading space
        " truly wonderful . i loved every minute of it .",  // not capitalized after " . "
        " truly wonderful and I hated every minute of it .", // praise, then the other pole's clause
        " good , but the rest of the film was awful .",    // mixed pairs words of the same strength
        "",
        " .",
        " great .",                                  // 2 points: the generator always adds a clause
    })
    void rejectsWhatTheGrammarCannotWrite(String text) {
        assertFalse(WORLD.isContinuation(text), text);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        " truly wonderful and I loved every minute of it .",
        " wonderful and good .",
        " good , even brilliant , so I adored it .",
        " never boring . It is one of the best films of the year .",
        " a real letdown and I nearly fell asleep .",
        " about average .",
        " pretty dull , but the last act was charming .",
    })
    void acceptsHandWrittenContinuations(String text) {
        assertTrue(WORLD.isContinuation(text), text);
    }

    /**
     * Mutants of 20,000 generated continuations (seed 22): every word dropped, every pair of
     * different neighbours swapped, every word doubled. Dropping an intensifier, "real" or the
     * comma of " , and " leaves another continuation of the grammar, so those drops are skipped.
     */
    @Test
    void rejectsContinuationsWithAWordDroppedSwappedOrRepeated() {
        Set<String> optional = Set.of("very", "really", "truly", "simply", "absolutely", "quite", "so",
                "incredibly", "genuinely", "pretty", "real", ",");
        Rng rng = new Rng(22);
        int mutants = 0;
        for (int i = 0; i < 20_000; i++) {
            String c = WORLD.sample(rng).continuation();
            List<String> words = Arrays.asList(c.substring(1).split(" "));
            for (int w = 0; w < words.size(); w++) {
                if (w + 1 < words.size() && words.get(w).equals(words.get(w + 1))) {
                    throw new AssertionError("the generator repeated a word, so doubling is no mutation: " + c);
                }
                List<String> doubled = new ArrayList<>(words);
                doubled.add(w, words.get(w));
                mutants += rejected(doubled, c, "repeated");
                if (w + 1 < words.size()) {
                    List<String> swapped = new ArrayList<>(words);
                    swapped.set(w, words.get(w + 1));
                    swapped.set(w + 1, words.get(w));
                    mutants += rejected(swapped, c, "swapped");
                }
                if (!optional.contains(words.get(w))) {
                    List<String> dropped = new ArrayList<>(words);
                    dropped.remove(w);
                    mutants += rejected(dropped, c, "dropped");
                }
            }
        }
        System.out.println("rejected " + mutants + " mutants of 20000 continuations");
        assertTrue(mutants > 500_000, "mutants: " + mutants);
    }

    private static int rejected(List<String> words, String original, String how) {
        String mutant = " " + String.join(" ", words);
        assertFalse(WORLD.isContinuation(mutant), how + ": \"" + mutant + "\" from \"" + original + "\"");
        return 1;
    }

    @Test
    void promptsAreNotContinuations() {
        for (String p : WORLD.heldOutPrompts()) assertFalse(WORLD.isContinuation(" " + p + " ."), p);
        assertEquals(false, WORLD.isContinuation(" was ."));
    }
}
