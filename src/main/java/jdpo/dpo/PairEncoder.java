package jdpo.dpo;

import jdpo.io.BadInputException;
import jdpo.tokenizer.Tokenizer;

import java.util.Arrays;

/**
 * Text pair -> {@link EncodedPair}: ids(prompt), ids(response) ++ [eos], then the length limits.
 *
 * <p>Truncation follows TRL before 1.0: {@code maxPromptLength} keeps the <em>end</em> of the
 * prompt (the words nearest the response matter most), then {@code maxLength} cuts the responses
 * so that prompt + response fits. (TRL 1.x has no prompt limit: it cuts prompt + response to
 * {@code max_length} keeping the start, which is the same cut whenever the prompt is within
 * {@code maxPromptLength}.) The model's context ({@code n_positions}) caps {@code maxLength}. If
 * the prompt alone would leave no room, it is cut further (keeping its end) so that at least
 * one response token is scored. An empty prompt becomes {@code <|endoftext|>} (GPT-2's bos), so the first response
 * token is scored too.
 */
public final class PairEncoder {
    private final Tokenizer tokenizer;
    private final int maxLength;
    private final int maxPromptLength;

    /**
     * @param maxLength       longest row, prompt + response; capped by {@code nPositions}
     * @param maxPromptLength longest prompt; 0 for no separate limit
     */
    public PairEncoder(Tokenizer tokenizer, int maxLength, int maxPromptLength, int nPositions) {
        if (maxLength < 2) throw new IllegalArgumentException("max length must be at least 2, got " + maxLength);
        if (maxPromptLength < 0) throw new IllegalArgumentException("max prompt length must be >= 0, got " + maxPromptLength);
        this.tokenizer = tokenizer;
        this.maxLength = Math.min(maxLength, nPositions);
        this.maxPromptLength = maxPromptLength;
    }

    public int maxLength() {
        return maxLength;
    }

    public EncodedPair encode(PreferencePair pair) {
        if (pair.chosen.isEmpty() || pair.rejected.isEmpty()) {
            throw new BadInputException(pair.source + ": " + (pair.chosen.isEmpty() ? "chosen" : "rejected")
                    + " response is empty");
        }
        int eos = tokenizer.eosId();
        int[] prompt = tokenizer.encode(pair.prompt);
        int[] chosen = withEos(tokenizer.encode(pair.chosen), eos);
        int[] rejected = withEos(tokenizer.encode(pair.rejected), eos);
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

    private static int[] withEos(int[] ids, int eos) {
        int[] out = Arrays.copyOf(ids, ids.length + 1);
        out[ids.length] = eos;
        return out;
    }
}
