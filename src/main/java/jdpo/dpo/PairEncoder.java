package jdpo.dpo;

import jdpo.io.BadInputException;
import jdpo.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Text pair -> {@link EncodedPair}: the prompt's ids and each response's ids ending with
 * {@code <|endoftext|>}, then the length limits. Two ways to find a response's ids:
 * <pre>
 *   joint    (TRL 1.x)    prompt ids = ids(x); response ids = ids(x + y + eos)[len(prompt ids):]
 *   separate (TRL < 1.0)  prompt ids = ids(x); response ids = ids(y) ++ [eos]
 * </pre>
 * They differ only where a token would straddle the boundary: {@code "The movie was "} +
 * {@code "great"} is {@code ... " was" " " "great"} apart but {@code ... " was" " great"} as one
 * text, and joint then takes what follows the prompt's <em>count</em> of ids, as TRL does. In
 * both, the text {@code <|endoftext|>} anywhere in the data becomes the special token (what
 * transformers' tokenizer does, so what TRL trains on), and a response that already ends with it
 * gets no second one.
 *
 * <p>Length limits. {@code maxPromptLength} (0: none) keeps the <em>end</em> of a long prompt,
 * as TRL before 1.0 did. Then {@code maxLength} (capped by the model's {@code n_positions}) cuts
 * each row prompt + response keeping its start, as TRL 1.x's default {@code keep_start} does. A
 * pair whose prompt alone fills {@code maxLength} would keep no response token: joint drops it
 * (TRL 1.x drops it); separate cuts the prompt further, keeping its end, so that one response
 * token is scored. An empty prompt becomes {@code <|endoftext|>} (GPT-2's bos), so the first
 * response token is scored too (TRL leaves the prompt empty and cannot score that token).
 */
public final class PairEncoder {

    /** How a response is tokenized: with its prompt as one text (TRL 1.x) or apart (TRL before 1.0). */
    public enum Tokenization {
        JOINT, SEPARATE;

        public static Tokenization parse(String name) {
            String key = name == null ? "" : name.trim().toUpperCase(Locale.ROOT);
            for (Tokenization t : values()) {
                if (t.name().equals(key)) return t;
            }
            throw new IllegalArgumentException("unknown tokenization '" + name + "'; valid: joint, separate");
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The pairs kept, in order, and how many were cut or dropped. */
    public record Encoded(List<EncodedPair> pairs, List<PreferencePair> texts, int truncated, int dropped) {
    }

    private final Tokenizer tokenizer;
    private final int maxLength;
    private final int maxPromptLength;
    private final Tokenization tokenization;

    /** Separate tokenization, as TRL before 1.0. */
    public PairEncoder(Tokenizer tokenizer, int maxLength, int maxPromptLength, int nPositions) {
        this(tokenizer, maxLength, maxPromptLength, nPositions, Tokenization.SEPARATE);
    }

    /**
     * @param maxLength       longest row, prompt + response; capped by {@code nPositions}
     * @param maxPromptLength longest prompt; 0 for no separate limit
     */
    public PairEncoder(Tokenizer tokenizer, int maxLength, int maxPromptLength, int nPositions, Tokenization tokenization) {
        if (maxLength < 2) throw new IllegalArgumentException("max length must be at least 2, got " + maxLength);
        if (maxPromptLength < 0) throw new IllegalArgumentException("max prompt length must be >= 0, got " + maxPromptLength);
        this.tokenizer = tokenizer;
        this.maxLength = Math.min(maxLength, nPositions);
        this.maxPromptLength = maxPromptLength;
        this.tokenization = tokenization;
    }

    public int maxLength() {
        return maxLength;
    }

    public Tokenization tokenization() {
        return tokenization;
    }

    /** Every pair of {@code pairs} that is kept (see {@link #encode}), with counts of those cut and dropped. */
    public Encoded encodeAll(List<PreferencePair> pairs) {
        List<EncodedPair> kept = new ArrayList<>(pairs.size());
        List<PreferencePair> texts = new ArrayList<>(pairs.size());
        int truncated = 0;
        for (PreferencePair p : pairs) {
            EncodedPair e = encode(p);
            if (e == null) continue;
            if (e.truncated) truncated++;
            kept.add(e);
            texts.add(p);
        }
        return new Encoded(kept, texts, truncated, pairs.size() - kept.size());
    }

    /** The pair as ids, or null when joint tokenization drops it (its prompt alone fills maxLength). */
    public EncodedPair encode(PreferencePair pair) {
        if (pair.chosen.isEmpty() || pair.rejected.isEmpty()) {
            throw new BadInputException(pair.source + ": " + (pair.chosen.isEmpty() ? "chosen" : "rejected")
                    + " response is empty");
        }
        int eos = tokenizer.eosId();
        int[] prompt = tokenizer.encodeWithSpecial(pair.prompt);
        int[] chosen = response(pair.prompt, prompt, pair.chosen, eos);
        int[] rejected = response(pair.prompt, prompt, pair.rejected, eos);
        if (chosen.length == 0 || rejected.length == 0) {
            throw new BadInputException(pair.source + ": the " + (chosen.length == 0 ? "chosen" : "rejected")
                    + " response has no tokens after the prompt's when tokenized with it; try --tokenization separate");
        }
        if (prompt.length == 0) {
            // Position 0 has nothing before it to predict from; start from bos, as unconditional GPT-2 does.
            prompt = new int[] {eos}; // GPT-2 uses <|endoftext|> as bos too
        }
        boolean truncated = false;
        if (maxPromptLength > 0 && prompt.length > maxPromptLength) {
            prompt = Arrays.copyOfRange(prompt, prompt.length - maxPromptLength, prompt.length);
            truncated = true;
        }
        if (prompt.length > maxLength - 1) {
            if (tokenization == Tokenization.JOINT) return null;
            prompt = Arrays.copyOfRange(prompt, prompt.length - (maxLength - 1), prompt.length);
            truncated = true;
        }
        int room = maxLength - prompt.length;
        if (chosen.length > room) {
            chosen = Arrays.copyOf(chosen, room);
            truncated = true;
        }
        if (rejected.length > room) {
            rejected = Arrays.copyOf(rejected, room);
            truncated = true;
        }
        return new EncodedPair(prompt, chosen, rejected, truncated);
    }

    /** A response's ids, ending with eos: after the prompt's ids in the joint text, or on its own. */
    private int[] response(String promptText, int[] promptIds, String response, int eos) {
        if (tokenization == Tokenization.JOINT) {
            String text = promptText + response;
            int[] all = tokenizer.encodeWithSpecial(text.endsWith(Tokenizer.END_OF_TEXT) ? text : text + Tokenizer.END_OF_TEXT);
            return Arrays.copyOfRange(all, Math.min(promptIds.length, all.length), all.length);
        }
        int[] ids = tokenizer.encodeWithSpecial(response);
        if (response.endsWith(Tokenizer.END_OF_TEXT)) return ids;
        int[] out = Arrays.copyOf(ids, ids.length + 1);
        out[ids.length] = eos;
        return out;
    }
}
