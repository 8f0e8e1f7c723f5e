package jdpo.demo;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import jdpo.tensor.Rng;

/**
 * The demo's tiny world: short movie reviews, written from our own phrase tables, that a tiny
 * GPT-2 can learn and DPO can then steer (a miniature of the DPO paper's IMDb experiment).
 *
 * <pre>
 *   review       = prompt + continuation
 *   prompt       = [opening] subject [frame] ("was" | "were")    carries no sentiment
 *   continuation = " " complement [joiner clause] " ."          carries the sentiment
 * </pre>
 *
 * e.g. "Honestly , the acting in this film was" + " truly wonderful and I loved every minute of it ."
 * The continuation starts with a space, so {@code prompt + continuation} is the review's text and
 * tokenizing the two apart gives the same tokens as tokenizing it whole.
 *
 * <p>{@link #review(Rng)} draws the prompt first, then the sentiment independently of it:
 * positive and negative with probability 0.4 each, neutral and mixed 0.1 each, so no opening makes
 * either sentiment likelier. Every positive continuation carries at least three points of praise
 * for {@link SentimentReward} (so scores {@link SentimentReward#MAX}), every negative one at least
 * three of criticism, every neutral or mixed one exactly zero.
 *
 * <p>The prompts (opening x subject x frame) are split once, by a fixed hash of their index, into
 * a training set (about 90%) and a held-out set never used for training; every opening, subject
 * and frame occurs in both.
 */
public final class ReviewWorld {
    /** What a continuation says about the film. MIXED: praise, then equally strong criticism, or the reverse. */
    public enum Sentiment { POSITIVE, NEGATIVE, NEUTRAL, MIXED }

    /** The two disjoint prompt sets. */
    public enum Split { TRAIN, HELD_OUT }

    /** One drawn review; {@code text()} is the whole review. */
    public record Review(String prompt, String continuation, Sentiment sentiment) {
        public String text() {
            return prompt + continuation;
        }
    }

    private static final List<String> OPENINGS = list("|Honestly ,|To be fair ,"
            + "|I watched this movie last night , and|I saw it at the cinema on the weekend , and"
            + "|My sister picked this one , and|I went in knowing very little , and"
            + "|After all the hype ,|Having read the book first , I thought"
            + "|Like most people , I felt that|For a film from the seventies ,"
            + "|We rented it on a rainy evening , and|In my opinion ,|From the very first minute ,"
            + "|I have to say that|As a fan of the genre , I found that"
            + "|My friends told me about it , and|On the second viewing ,|Compared to the trailer ,"
            + "|Overall ,|If you ask me ,|I watched it with my parents , and"
            + "|For a low budget picture ,|At nearly three hours ,|Seen on the big screen ,"
            + "|Put simply ,|In the end ,|My husband wanted to see it , and"
            + "|As someone who rarely watches movies , I think"
            + "|After the first ten minutes , I could tell that|For a first feature ,"
            + "|I expected a lot , and|Watching it again years later , I noticed that"
            + "|Unlike the original ,|Strangely enough ,|Just so you know ,");
    private static final List<String> SINGULAR_SUBJECTS = list("the acting|the plot|the story"
            + "|the music|the soundtrack|the dialogue|the ending|the cast|the lead actor"
            + "|the lead actress|the camera work|the pacing|the script|the villain|the humor"
            + "|the editing|the final scene|the opening scene|the main character|the photography"
            + "|the romance|the twist|the writing|the direction");
    private static final List<String> PLURAL_SUBJECTS = list("the special effects|the characters"
            + "|the costumes|the fight scenes|the songs|the sets");
    private static final List<String> FRAMES = list("| in this film| in this movie| of this film"
            + "| in the sequel| in this one");

    private static final List<String> INTENSIFIERS = list("very|really|truly|simply|absolutely"
            + "|quite|so|incredibly|genuinely|pretty");
    private static final List<String> JOINERS = list(" , and | and | . | , so ");
    private static final List<String> CONTRASTS = list("the rest of the film|the second half"
            + "|everything else|the last act|the middle part");

    /** The words and clauses of one pole; the other pole's mild words, negated, also praise or blame here. */
    private record Pole(List<String> strong, List<String> mild, List<String> nouns,
                        List<String> strongClauses, List<String> mildClauses) {}

    private static final Pole POSITIVE = new Pole(
            list("wonderful|brilliant|superb|excellent|amazing|fantastic|outstanding|magnificent"
                    + "|stunning|terrific|marvelous|perfect|delightful|beautiful|flawless"
                    + "|unforgettable|breathtaking|great"),
            list("good|nice|solid|enjoyable|charming|clever|fun|pleasant|engaging|moving|funny"
                    + "|touching|fresh|gripping|impressive|memorable|entertaining|witty"),
            list("delight|joy|treat|triumph|gem|pleasure|masterpiece"),
            list("I loved every minute of it|it is one of the best films of the year"
                    + "|the whole thing was a joy to watch|it is a real masterpiece"
                    + "|what a wonderful surprise|I adored it|it is the best thing I have seen in years"
                    + "|everyone in our row loved it|I was moved to tears in the best way"),
            list("I would recommend it to anyone|the story kept me hooked"
                    + "|I left the theater with a smile|it made me laugh out loud|I enjoyed it a lot"
                    + "|it is worth every penny|the kids liked it too|I was glad I went"
                    + "|my whole family enjoyed it"));
    private static final Pole NEGATIVE = new Pole(
            list("awful|terrible|horrible|dreadful|atrocious|painful|pathetic|abysmal|appalling"
                    + "|unwatchable|disastrous|laughable|lousy|embarrassing"),
            list("bad|boring|dull|weak|poor|bland|silly|flat|slow|predictable|forgettable|messy"
                    + "|tedious|clumsy|stiff|lifeless|confusing|annoying|mediocre"),
            list("disaster|failure|disappointment|letdown"),
            list("I hated every minute of it|it is one of the worst films of the year"
                    + "|the whole thing was a waste of time|it is a real disaster"
                    + "|what a terrible waste|I despised it|it is the worst thing I have seen in years"
                    + "|everyone in our row hated it|it was painful to sit through"),
            list("I would not recommend it to anyone|the story left me bored"
                    + "|I left the theater with a frown|I nearly fell asleep|I regret buying a ticket"
                    + "|it is not worth the ticket|the kids disliked it too|I was sorry I went"
                    + "|my whole family was bored"));
    private static final List<String> NEUTRAL_COMPLEMENTS = list("about what I expected|about average"
            + "|similar to the first film|typical of the genre|a bit different from the book"
            + "|what you would expect from the studio|longer than I thought|shorter than the book"
            + "|somewhere in the middle|in line with the trailer|mostly in black and white"
            + "|hard to put into words");
    private static final List<String> NEUTRAL_CLAUSES = list("I watched it with my family"
            + "|it came out last spring|the theater was half full|it runs for about two hours"
            + "|I saw it on the weekend|it is based on a novel|the director made two other films"
            + "|my brother saw it too|there is a sequel on the way|I watched it at home");

    /** Held-out prompts are those whose index hashes to 0 mod this. */
    private static final int HELD_OUT_EVERY = 10;
    private static final long SPLIT_SALT = 0x7E57_5EEDL;

    private final List<String> trainPrompts = new ArrayList<>();
    private final List<String> heldOutPrompts = new ArrayList<>();

    public ReviewWorld() {
        int subjects = SINGULAR_SUBJECTS.size() + PLURAL_SUBJECTS.size();
        int index = 0;
        for (String opening : OPENINGS) {
            for (int s = 0; s < subjects; s++) {
                boolean plural = s >= SINGULAR_SUBJECTS.size();
                String subject = plural ? PLURAL_SUBJECTS.get(s - SINGULAR_SUBJECTS.size()) : SINGULAR_SUBJECTS.get(s);
                for (String frame : FRAMES) {
                    String prompt = capitalize((opening.isEmpty() ? "" : opening + " ")
                            + subject + frame + (plural ? " were" : " was"));
                    (isHeldOut(index++) ? heldOutPrompts : trainPrompts).add(prompt);
                }
            }
        }
    }

    private static boolean isHeldOut(int promptIndex) {
        return Long.remainderUnsigned(new Rng(SPLIT_SALT + promptIndex).nextLong(), HELD_OUT_EVERY) == 0;
    }

    /** Every prompt of a split, in a fixed order. */
    public List<String> prompts(Split split) {
        return Collections.unmodifiableList(split == Split.TRAIN ? trainPrompts : heldOutPrompts);
    }

    public List<String> trainPrompts() {
        return prompts(Split.TRAIN);
    }

    public List<String> heldOutPrompts() {
        return prompts(Split.HELD_OUT);
    }

    /** The openings a prompt may start with, as they appear in it (the first is empty). */
    public List<String> openings() {
        List<String> out = new ArrayList<>();
        for (String o : OPENINGS) out.add(capitalize(o));
        return out;
    }

    /** A training prompt, uniform over {@link #trainPrompts()}. */
    public String prompt(Rng rng) {
        return prompt(rng, Split.TRAIN);
    }

    /** A prompt, uniform over the split's prompts. */
    public String prompt(Rng rng, Split split) {
        List<String> prompts = split == Split.TRAIN ? trainPrompts : heldOutPrompts;
        return prompts.get(rng.nextInt(prompts.size()));
    }

    /** The sentiment of a review: POSITIVE and NEGATIVE 0.4 each, NEUTRAL and MIXED 0.1 each. */
    public Sentiment sentiment(Rng rng) {
        int r = rng.nextInt(10);
        if (r < 4) return Sentiment.POSITIVE;
        if (r < 8) return Sentiment.NEGATIVE;
        return r == 8 ? Sentiment.NEUTRAL : Sentiment.MIXED;
    }

    /** A review of a training prompt: prompt, then a sentiment drawn independently, then its continuation. */
    public Review sample(Rng rng) {
        String prompt = prompt(rng);
        Sentiment sentiment = sentiment(rng);
        return new Review(prompt, continuation(rng, sentiment), sentiment);
    }

    /** The text of {@link #sample(Rng)}. */
    public String review(Rng rng) {
        return sample(rng).text();
    }

    /** n review texts, the training corpus of the tiny model. */
    public List<String> corpus(Rng rng, int n) {
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) out.add(review(rng));
        return out;
    }

    /** What follows a prompt: a leading space, the words, and a final " .". */
    public String continuation(Rng rng, Sentiment sentiment) {
        String body = switch (sentiment) {
            case POSITIVE -> polar(rng, POSITIVE, NEGATIVE);
            case NEGATIVE -> polar(rng, NEGATIVE, POSITIVE);
            case NEUTRAL -> neutral(rng);
            case MIXED -> rng.nextInt(2) == 0 ? mixed(rng, POSITIVE, NEGATIVE) : mixed(rng, NEGATIVE, POSITIVE);
        };
        return " " + body + " .";
    }

    /** A complement worth c points of the pole's sentiment, then clauses worth at least 3 - c. */
    private static String polar(Rng rng, Pole pole, Pole opposite) {
        String complement;
        int points;
        switch (rng.nextInt(8)) {
            case 0 -> { complement = intensified(rng, pick(rng, pole.strong)); points = 2; }
            case 1 -> { complement = pick(rng, pole.strong) + " and " + pick(rng, pole.mild); points = 3; }
            case 2 -> { complement = intensified(rng, pick(rng, pole.mild)); points = 1; }
            case 3 -> { complement = "not " + pick(rng, opposite.mild) + " at all"; points = 1; }
            case 4 -> { complement = "never " + pick(rng, opposite.mild); points = 1; }
            case 5 -> { complement = pick(rng, pole.mild) + " , even " + pick(rng, pole.strong); points = 3; }
            case 6 -> { complement = (rng.nextInt(2) == 0 ? "a " : "a real ") + pick(rng, pole.nouns); points = 2; }
            default -> { complement = pick(rng, pole.strong) + " from start to finish"; points = 2; }
        }
        List<String> clauses;
        if (points == 1) clauses = pole.strongClauses;
        else if (points == 2) clauses = rng.nextInt(2) == 0 ? pole.strongClauses : pole.mildClauses;
        else if (rng.nextInt(5) < 2) return complement;
        else clauses = rng.nextInt(2) == 0 ? pole.strongClauses : pole.mildClauses;
        return joined(rng, complement, pick(rng, clauses));
    }

    private static String neutral(Rng rng) {
        String complement = pick(rng, NEUTRAL_COMPLEMENTS);
        return rng.nextInt(2) == 0 ? complement : joined(rng, complement, pick(rng, NEUTRAL_CLAUSES));
    }

    /** First pole's word, then the other pole's word of the same strength: the points cancel. */
    private static String mixed(Rng rng, Pole first, Pole second) {
        boolean strong = rng.nextInt(2) == 0;
        String praise = pick(rng, strong ? first.strong : first.mild);
        String blame = pick(rng, strong ? second.strong : second.mild);
        return intensified(rng, praise) + " , but " + pick(rng, CONTRASTS) + " was " + blame;
    }

    private static String intensified(Rng rng, String word) {
        return rng.nextInt(2) == 0 ? word : pick(rng, INTENSIFIERS) + " " + word;
    }

    private static String joined(Rng rng, String first, String clause) {
        String joiner = pick(rng, JOINERS);
        return first + joiner + (joiner.equals(" . ") ? capitalize(clause) : clause);
    }

    /**
     * Whether a text is one of this world's continuations, exactly as {@link #continuation} writes
     * them: the recognizer of the same grammar, so "is it still a review?" has a yes/no answer.
     * A model's sample is well-formed when it is accepted; e.g. " truly wonderful and I loved
     * every minute of it ." is, " perfect and it solid ." (no such complement) and
     * " great and I enjoyed it a lot ." (one point of praise needs a strong clause) are not.
     */
    public boolean isContinuation(String text) {
        return CONTINUATION.matcher(text).matches();
    }

    /** The language of {@link #continuation}, built case by case from the same tables. */
    private static final Pattern CONTINUATION = Pattern.compile(" (?:" + polarPattern(POSITIVE, NEGATIVE)
            + "|" + polarPattern(NEGATIVE, POSITIVE) + "|" + neutralPattern()
            + "|" + mixedPattern(POSITIVE, NEGATIVE) + "|" + mixedPattern(NEGATIVE, POSITIVE) + ") \\.");

    /** The eight complements of {@link #polar}; each with the clauses its points call for. */
    private static String polarPattern(Pole pole, Pole opposite) {
        String strong = anyOf(pole.strong), mild = anyOf(pole.mild);
        String strongClause = clause(pole.strongClauses), anyClause = clause(concat(pole.strongClauses, pole.mildClauses));
        return anyOf(List.of(
                intensifiedPattern(strong) + anyClause,                                 // 2 points
                strong + " and " + mild + "(?:" + anyClause + ")?",                     // 3
                intensifiedPattern(mild) + strongClause,                                // 1
                "not " + anyOf(opposite.mild) + " at all" + strongClause,               // 1
                "never " + anyOf(opposite.mild) + strongClause,                         // 1
                mild + " , even " + strong + "(?:" + anyClause + ")?",                  // 3
                "a (?:real )?" + anyOf(pole.nouns) + anyClause,                         // 2
                strong + " from start to finish" + anyClause), false);                  // 2
    }

    private static String neutralPattern() {
        return anyOf(NEUTRAL_COMPLEMENTS) + "(?:" + clause(NEUTRAL_CLAUSES) + ")?";
    }

    private static String mixedPattern(Pole first, Pole second) {
        String contrast = " , but " + anyOf(CONTRASTS) + " was ";
        return anyOf(List.of(intensifiedPattern(anyOf(first.strong)) + contrast + anyOf(second.strong),
                intensifiedPattern(anyOf(first.mild)) + contrast + anyOf(second.mild)), false);
    }

    private static String intensifiedPattern(String word) {
        return "(?:" + anyOf(INTENSIFIERS) + " )?" + word;
    }

    /** A joiner and a clause, as {@link #joined} writes them (capitalized after " . "). */
    private static String clause(List<String> clauses) {
        List<String> capitalized = clauses.stream().map(ReviewWorld::capitalize).collect(Collectors.toList());
        List<String> midSentence = JOINERS.stream().filter(j -> !j.equals(" . ")).collect(Collectors.toList());
        return "(?:" + anyOf(midSentence) + anyOf(clauses) + "|" + Pattern.quote(" . ") + anyOf(capitalized) + ")";
    }

    private static String anyOf(List<String> literals) {
        return anyOf(literals, true);
    }

    /** A non-capturing alternation of the options, quoted as literals when {@code quote}. */
    private static String anyOf(List<String> options, boolean quote) {
        return options.stream().map(o -> quote ? Pattern.quote(o) : o).collect(Collectors.joining("|", "(?:", ")"));
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    /**
     * Every distinct word (lowercase, punctuation left out) that a review can contain: the size
     * of what a tokenizer has to learn.
     */
    public Set<String> vocabulary() {
        Set<String> words = new TreeSet<>();
        List<List<String>> tables = List.of(OPENINGS, SINGULAR_SUBJECTS, PLURAL_SUBJECTS, FRAMES,
                INTENSIFIERS, JOINERS, CONTRASTS, NEUTRAL_COMPLEMENTS, NEUTRAL_CLAUSES,
                List.of("was were not at all never even a real from start to finish but"));
        List<List<String>> all = new ArrayList<>(tables);
        for (Pole p : List.of(POSITIVE, NEGATIVE)) {
            all.addAll(List.of(p.strong, p.mild, p.nouns, p.strongClauses, p.mildClauses));
        }
        for (List<String> table : all) {
            for (String phrase : table) {
                for (String w : phrase.trim().split(" +")) {
                    if (!w.isEmpty() && Character.isLetter(w.charAt(0))) words.add(w.toLowerCase(Locale.ROOT));
                }
            }
        }
        return words;
    }

    private static String pick(Rng rng, List<String> options) {
        return options.get(rng.nextInt(options.size()));
    }

    private static String capitalize(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    private static List<String> list(String alternatives) {
        return List.of(alternatives.split("\\|", -1));
    }
}
