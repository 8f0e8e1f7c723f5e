package jdpo.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import jdpo.demo.ReviewWorld.Review;
import jdpo.demo.ReviewWorld.Sentiment;
import jdpo.demo.ReviewWorld.Split;
import jdpo.tensor.Rng;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** The review generator: determinism, sentiment balance, the prompt split, lengths, vocabulary. */
class ReviewWorldTest {
    private static final ReviewWorld WORLD = new ReviewWorld();
    /** 4 binomial standard errors: a fair coin misses this by chance with probability 6e-5. */
    private static final double Z = 4.0;

    @Test
    void sameSeedGivesTheSameCorpus() {
        assertEquals(WORLD.corpus(new Rng(42), 500), new ReviewWorld().corpus(new Rng(42), 500));
        assertNotEquals(WORLD.corpus(new Rng(42), 500), WORLD.corpus(new Rng(43), 500));
    }

    /** Pins the stream: the shipped tiny model was trained on text drawn this way. */
    @Test
    void seed42DrawsTheseReviews() {
        List<String> first = WORLD.corpus(new Rng(42), 3);
        assertEquals(List.of(GOLDEN_0, GOLDEN_1, GOLDEN_2), first);
    }

    private static final String GOLDEN_0 =
            "I expected a lot , and the lead actress in this movie was laughable from start to finish , and it is one of the worst films of the year .";
    private static final String GOLDEN_1 =
            "Unlike the original , the writing in the sequel was horrible , and I was sorry I went .";
    private static final String GOLDEN_2 =
            "I watched it with my parents , and the special effects were not entertaining at all , so it is a real disaster .";

    @TestFactory
    List<DynamicTest> positiveAndNegativeAreEquallyLikelyAfterEveryOpening() {
        long seed = 7;
        int n = 120_000;
        Rng rng = new Rng(seed);
        List<String> openings = WORLD.openings();
        int[] positive = new int[openings.size()], negative = new int[openings.size()];
        for (int i = 0; i < n; i++) {
            Review r = WORLD.sample(rng);
            int o = openingOf(r.prompt(), openings);
            if (r.sentiment() == Sentiment.POSITIVE) positive[o]++;
            if (r.sentiment() == Sentiment.NEGATIVE) negative[o]++;
        }
        List<DynamicTest> tests = new ArrayList<>();
        for (int o = 0; o < openings.size(); o++) {
            int pos = positive[o], polar = positive[o] + negative[o];
            tests.add(DynamicTest.dynamicTest("seed=" + seed + " n=" + n + " opening=\"" + openings.get(o) + "\"", () -> {
                assertTrue(polar >= 1000, "too few samples to judge: " + polar);
                // pos ~ Binomial(polar, 1/2): standard error sqrt(polar)/2.
                double bound = Z * Math.sqrt(polar) / 2;
                assertTrue(Math.abs(pos - polar / 2.0) <= bound,
                        pos + " positive of " + polar + " polar reviews; allowed |pos - polar/2| <= " + bound);
            }));
        }
        return tests;
    }

    /** The index of the longest opening the prompt starts with (0, the empty one, if none). */
    private static int openingOf(String prompt, List<String> openings) {
        int best = 0;
        for (int o = 1; o < openings.size(); o++) {
            if (prompt.startsWith(openings.get(o) + " ") && openings.get(o).length() > openings.get(best).length()) best = o;
        }
        return best;
    }

    @Test
    void sentimentsFollowTheStatedMixture() {
        int n = 100_000;
        Rng rng = new Rng(8);
        Map<Sentiment, Integer> counts = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) counts.merge(WORLD.sentiment(rng), 1, Integer::sum);
        Map<Sentiment, Double> p = Map.of(Sentiment.POSITIVE, 0.4, Sentiment.NEGATIVE, 0.4,
                Sentiment.NEUTRAL, 0.1, Sentiment.MIXED, 0.1);
        for (Sentiment s : Sentiment.values()) {
            double expected = n * p.get(s), se = Math.sqrt(n * p.get(s) * (1 - p.get(s)));
            int got = counts.getOrDefault(s, 0);
            assertTrue(Math.abs(got - expected) <= Z * se, s + ": " + got + " of " + n + ", expected " + expected);
        }
    }

    @Test
    void promptsCarryNoSentimentAndNoNegation() {
        SentimentReward reward = new SentimentReward();
        for (Split split : Split.values()) {
            for (String prompt : WORLD.prompts(split)) {
                for (String w : SentimentReward.words(prompt)) {
                    assertEquals(0, SentimentLexicon.polarity(w), "sentiment word '" + w + "' in prompt: " + prompt);
                    assertTrue(!SentimentLexicon.isNegator(w), "negator '" + w + "' in prompt: " + prompt);
                }
                assertEquals(0.0, reward.reward(prompt));
                assertTrue(prompt.endsWith(" was") || prompt.endsWith(" were"), prompt);
            }
        }
    }

    @Test
    void reviewsAreSingleSpacedAsciiSentencesAndContinuationsStartWithASpace() {
        Rng rng = new Rng(9);
        for (int i = 0; i < 20_000; i++) {
            Review r = WORLD.sample(rng);
            assertTrue(r.continuation().startsWith(" ") && r.continuation().endsWith(" ."), r.continuation());
            String text = r.text();
            assertTrue(text.matches("[A-Z][A-Za-z ,.]*[a-z] \\.") && !text.contains("  "), text);
        }
    }

    @Test
    void trainAndHeldOutPromptsAreDisjointAndCoverEveryOpening() {
        List<String> train = WORLD.trainPrompts(), heldOut = WORLD.heldOutPrompts();
        Set<String> trainSet = new HashSet<>(train), heldOutSet = new HashSet<>(heldOut);
        assertEquals(train.size(), trainSet.size(), "duplicate training prompts");
        assertEquals(heldOut.size(), heldOutSet.size(), "duplicate held-out prompts");
        trainSet.retainAll(heldOutSet);
        assertEquals(Set.of(), trainSet, "prompts in both splits");

        double fraction = heldOut.size() / (double) (train.size() + heldOut.size());
        assertTrue(fraction > 0.08 && fraction < 0.12, "held-out fraction " + fraction);
        List<String> openings = WORLD.openings();
        for (int o = 0; o < openings.size(); o++) {
            final int opening = o;
            assertTrue(train.stream().anyMatch(p -> openingOf(p, openings) == opening), "no training prompt for opening " + o);
            assertTrue(heldOut.stream().anyMatch(p -> openingOf(p, openings) == opening), "no held-out prompt for opening " + o);
        }
        assertEquals(heldOut, new ReviewWorld().heldOutPrompts(), "the split is not deterministic");

        Rng rng = new Rng(10);
        for (int i = 0; i < 5_000; i++) {
            assertTrue(heldOutSet.contains(WORLD.prompt(rng, Split.HELD_OUT)));
            assertTrue(!heldOutSet.contains(WORLD.sample(rng).prompt()), "a review drew a held-out prompt");
        }
        System.out.printf("prompts: %d train, %d held out (%.1f%%)%n", train.size(), heldOut.size(), 100 * fraction);
    }

    /** Space-separated pieces (words and punctuation); a ~1024-token BPE needs about 1.1 tokens per piece. */
    @Test
    void reviewsStayShort() {
        int n = 100_000;
        Rng rng = new Rng(12);
        int max = 0;
        long sum = 0;
        String longest = "";
        for (int i = 0; i < n; i++) {
            String text = WORLD.review(rng);
            int pieces = text.split(" ").length;
            sum += pieces;
            if (pieces > max) {
                max = pieces;
                longest = text;
            }
        }
        double mean = sum / (double) n;
        System.out.printf("review length in pieces: mean %.2f, max %d: %s%n", mean, max, longest);
        assertTrue(max <= 40, "longest review has " + max + " pieces: " + longest);
        assertTrue(mean >= 15 && mean <= 30, "mean length " + mean);
    }

    /** vocabulary() lists exactly the words reviews use, and there are a few hundred. */
    @Test
    void vocabularyIsModestAndExactlyTheWordsReviewsUse() {
        Rng rng = new Rng(13);
        Set<String> seen = new TreeSet<>();
        for (int i = 0; i < 200_000; i++) {
            for (String w : WORLD.review(rng).split(" ")) {
                if (Character.isLetter(w.charAt(0))) seen.add(w.toLowerCase(java.util.Locale.ROOT));
            }
        }
        Set<String> vocabulary = WORLD.vocabulary();
        System.out.println("vocabulary: " + vocabulary.size() + " distinct words");
        assertEquals(vocabulary, seen);
        assertTrue(vocabulary.size() >= 200 && vocabulary.size() <= 500, "vocabulary size " + vocabulary.size());
    }
}
