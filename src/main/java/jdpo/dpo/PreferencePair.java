package jdpo.dpo;

/**
 * One preference: for {@code prompt}, the response {@code chosen} (y_w) is preferred over
 * {@code rejected} (y_l). {@code source} says where it came from ("pairs.jsonl:12").
 */
public final class PreferencePair {
    public final String prompt;
    public final String chosen;
    public final String rejected;
    public final String source;

    public PreferencePair(String prompt, String chosen, String rejected, String source) {
        this.prompt = prompt;
        this.chosen = chosen;
        this.rejected = rejected;
        this.source = source;
    }
}
