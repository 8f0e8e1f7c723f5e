package jdpo.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import jdpo.demo.ReviewWorld.Sentiment;
import jdpo.tensor.Rng;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The lexicon reward: its range, its negation rule, and how it scores the generator's text. */
class SentimentRewardTest {
    private static final SentimentReward REWARD = new SentimentReward();
    private static final ReviewWorld WORLD = new ReviewWorld();

    @Test
    void boundsAreMinusOneAndOne() {
        assertEquals(-1.0, SentimentReward.MIN);
        assertEquals(1.0, SentimentReward.MAX);
        assertEquals(SentimentReward.MIN, REWARD.min());
        assertEquals(SentimentReward.MAX, REWARD.max());
    }

    /**
     * The generator's continuations, 10,000 of each sentiment (seed 11): the sign is right on
     * every one, and the reward saturates (positive at MAX, negative at MIN) or cancels (0).
     */
    @TestFactory
    List<DynamicTest> generatedContinuationsScoreByTheirSentiment() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Sentiment s : Sentiment.values()) {
            tests.add(DynamicTest.dynamicTest("seed=11 n=10000 sentiment=" + s, () -> {
                Rng rng = new Rng(11);
                int n = 10_000, expectedSign = s == Sentiment.POSITIVE ? 1 : s == Sentiment.NEGATIVE ? -1 : 0;
                int rightSign = 0;
                double sum = 0;
                for (int i = 0; i < n; i++) {
                    String prompt = WORLD.prompt(rng);
                    String continuation = WORLD.continuation(rng, s);
                    double r = REWARD.reward(continuation);
                    sum += r;
                    if (Math.signum(r) == expectedSign) rightSign++;
                    assertEquals(expectedSign * SentimentReward.MAX, r, continuation);
                    assertEquals(r, REWARD.reward(prompt + continuation), "the prompt changed the reward: " + prompt);
                }
                System.out.printf("%s: mean reward %.4f, right sign %d of %d%n", s, sum / n, rightSign, n);
                assertEquals(n, rightSign);
            }));
        }
        return tests;
    }

    @ParameterizedTest(name = "score(\"{0}\") = {1}")
    @CsvSource(delimiter = '|', value = {
        "|0",
        "the plot was about two hours long|0",
        "good|1",
        "wonderful|2",
        "awful|-2",
        "not bad|1",
        "not good|-1",
        "not very good|-1",
        "not at all good|1", // "good" is three words after "not": outside the window
        "I would not recommend it|-1",
        "never boring|1",
        "isn't terrible|2",
        "didn't enjoy it|-1",
        "DON\u2019T ENJOY!!!|-1",
        "no fun|-1",
        "not bad , not bad at all|2",
        "not good but great|1", // the negation is spent on "good"
        "not not good|-1", // a later negator replaces the open one
        "good , not|1",
        "great but the rest of the film was awful|0",
        "a wonderful , truly brilliant film|4",
    })
    void scoreSumsPolaritiesAndNegationFlipsTheNextSentimentWord(String text, int expected) {
        assertEquals(expected, REWARD.score(text == null ? "" : text));
    }

    @ParameterizedTest(name = "reward(\"{0}\") = {1}")
    @CsvSource(delimiter = '|', value = {
        "|0",
        "the camera work|0",
        "good|0.3333333333333333",
        "good and nice|0.6666666666666666",
        "wonderful and brilliant|1",
        "wonderful and good|1",
        "wonderful , brilliant , superb , perfect|1",
        "awful awful awful awful|-1",
        "bad|-0.3333333333333333",
    })
    void rewardIsTheScoreClampedToPlusMinusThreeOverThree(String text, double expected) {
        assertEquals(expected, REWARD.reward(text == null ? "" : text));
    }

    @Test
    void wordsAreLowercaseLetterRunsWithInnerApostrophes() {
        assertEquals(List.of("don't", "stop"), SentimentReward.words("Don't!Stop"));
        assertEquals(List.of("quoted", "it's"), SentimentReward.words("'quoted' it\u2019s"));
        assertEquals(List.of("a", "b"), SentimentReward.words("a1b"));
        assertEquals(List.of("na", "ve"), SentimentReward.words("na\u00efve"));
        assertEquals(List.of(), SentimentReward.words(" ,.!? '' 42 "));
    }

    /** Random strings, from raw characters to shuffled sentiment words: the reward stays in range. */
    @TestFactory
    List<DynamicTest> anyTextGetsARewardInRange() {
        List<String> pieces = new ArrayList<>(SentimentLexicon.sentimentWords());
        pieces.addAll(List.of("not", "never", "no", "don't", "isn't", "the", "film", ",", ".", "!", "'", "\u2019",
                "\u00e9", "\ud83c\udfac", "\u0000", "\n", "42", "good'", "'bad"));
        pieces.sort(null); // a fixed order, so the random seed fixes the strings
        List<DynamicTest> tests = new ArrayList<>();
        Rng seeds = new Rng(14);
        for (int c = 0; c < 40; c++) {
            long seed = seeds.nextLong();
            int length = c % 4 == 0 ? c / 4 : 1 + seeds.nextInt(120);
            boolean fromWords = c % 2 == 1;
            tests.add(DynamicTest.dynamicTest("seed=" + seed + " length=" + length + (fromWords ? " pieces" : " chars"), () -> {
                Rng rng = new Rng(seed);
                StringBuilder text = new StringBuilder();
                for (int i = 0; i < length; i++) {
                    if (fromWords) text.append(pieces.get(rng.nextInt(pieces.size()))).append(rng.nextInt(4) == 0 ? "" : " ");
                    else text.append((char) (rng.nextInt(3) == 0 ? rng.nextInt(0x10000) : rng.nextInt(32, 126)));
                }
                String s = text.toString();
                double r = REWARD.reward(s);
                int score = REWARD.score(s);
                assertTrue(r >= SentimentReward.MIN && r <= SentimentReward.MAX, r + " for " + s);
                assertEquals(Math.max(-3, Math.min(3, score)) / 3.0, r);
                int bound = 2 * SentimentReward.words(s).size();
                assertTrue(Math.abs(score) <= bound, score + " from " + bound / 2 + " words");
            }));
        }
        return tests;
    }
}
