package jdpo.tokenizer;

import java.nio.file.Path;

/** The real GPT-2 vocabulary committed in weights/gpt2, loaded once for all tests. */
final class Gpt2Vocabulary {

    static final Path DIR = Path.of("weights", "gpt2");

    private Gpt2Vocabulary() {
    }

    static Tokenizer tokenizer() {
        return Holder.TOKENIZER;
    }

    private static final class Holder {
        static final Tokenizer TOKENIZER = Tokenizer.load(DIR);
    }
}
