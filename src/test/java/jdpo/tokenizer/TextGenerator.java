package jdpo.tokenizer;

import jdpo.tensor.Rng;

/**
 * Seeded random text that exercises every corner of GPT-2's pre-tokenization: English, code,
 * numbers, whitespace runs (tabs, newlines, several spaces before a word, Unicode spaces),
 * CJK, Arabic, emoji with zero-width joiners, control characters, contractions (also upper-case
 * ones, which GPT-2 does not treat as contractions), accented letters and combining marks, and
 * characters outside the Basic Multilingual Plane.
 */
final class TextGenerator {

    private static final String[] WORDS = {
        "the", "The", "THE", "of", "and", "to", "in", "is", "was", "language", "model", "Hello",
        "world", "preference", "optimization", "tokenizer", "reward", "policy", "a", "I", "an",
        "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "antidisestablishmentarianism",
        "GPT", "gpt2", "DPO", "x", "y", "zz", "ThisIsCamelCase", "snake_case_name", "e-mail",
        "state-of-the-art", "naïve", "café", "résumé", "Zürich", "Ørsted", "São", "façade", "niño"};
    private static final String[] CONTRACTIONS = {
        "don't", "DON'T", "Don't", "I'm", "I'M", "we'll", "WE'LL", "they've", "she'd", "it's",
        "It'S", "you're", "YOU'RE", "'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "''", "'",
        "o'clock", "rock'n'roll", "'tis", "Mary's", "dogs'", "'sand", "' s", "x''s", "’s", "don’t"};
    private static final String[] CODE = {
        "for (int i = 0; i < n; i++) {", "}", "def f(x):\n    return x**2\n", "<div class=\"a\">",
        "x->y", "a[i] += b[j];", "if (a && !b) return;", "#include <stdio.h>", "// comment",
        "/* block */", "print('hi')", "@Override", "λx.x", "$HOME/.bashrc", "0x1F", "1e-9",
        "```java\n", "    ", "\t\treturn null;", "=>", "!==", "...", "--flag=value", "<|endoftext|>",
        "<|endoftext", "|>", "https://example.com/a?b=c&d=e#f"};
    private static final String[] EMOJI = {
        "👩‍👩‍👧", "👍🏽", "❤️", "🇩🇪", "1️⃣", "🏳️‍🌈", "👨‍💻", "😀", "🤖", "👩🏿‍🔬", "🧑‍🤝‍🧑", "#️⃣", "☕"};
    private static final String[] SPACES = {
        " ", " ", " ", "  ", "   ", "\t", "\n", "\r\n", "\n\n", " \n", "\n ", "\t ", " \t", "\u00A0",
        "\u3000", "\u2028", "\u2029", "\u000B", "\f", "\u0085", "\u2009", "\u1680", "\u202F", "\u205F",
        "\u200B", "\u001C", "\u001F", "\u00A0 ", "        "};
    /** Inclusive code point ranges of scripts and symbol blocks. */
    private static final int[][] BLOCKS = {
        {0x4E00, 0x9FFF}, {0x3040, 0x30FF}, {0xAC00, 0xD7A3}, // CJK, kana, Hangul
        {0x0600, 0x06FF}, {0x0590, 0x05FF}, {0x0900, 0x097F}, // Arabic, Hebrew, Devanagari
        {0x0E00, 0x0E7F}, {0x0370, 0x03FF}, {0x0400, 0x04FF}, // Thai, Greek, Cyrillic
        {0x00C0, 0x024F}, {0x0300, 0x036F}, {0x1E00, 0x1EFF}, // Latin accents, combining marks
        {0x2000, 0x206F}, {0x2150, 0x218F}, {0x2460, 0x24FF}, // punctuation, number forms, circled
        {0x1D400, 0x1D7FF}, {0x1F300, 0x1FAFF}, {0x10300, 0x1034F}, // math letters, emoji, Gothic
        {0x0000, 0x001F}, {0x007F, 0x009F}, {0xE000, 0xE0FF}, // controls, private use
        {0x0020, 0x007E}, {0xFFF0, 0xFFFF}, {0xE0000, 0xE007F}}; // ASCII, specials, tags

    private final Rng rng;

    TextGenerator(long seed) {
        rng = new Rng(seed);
    }

    /** A string of 1..maxFragments fragments of mixed kinds. */
    String next(int maxFragments) {
        StringBuilder s = new StringBuilder();
        int fragments = rng.nextInt(1, maxFragments);
        for (int f = 0; f < fragments; f++) {
            switch (rng.nextInt(4)) {
                case 0: break; // glued to the previous fragment
                case 1: s.append(pick(SPACES)); break;
                default: s.append(' ');
            }
            appendFragment(s);
        }
        return s.toString();
    }

    private void appendFragment(StringBuilder s) {
        switch (rng.nextInt(10)) {
            case 0: case 1: s.append(pick(WORDS)); break;
            case 2: s.append(pick(CONTRACTIONS)); break;
            case 3: s.append(pick(CODE)); break;
            case 4: s.append(number()); break;
            case 5: s.append(pick(EMOJI)); break;
            case 6: for (int k = rng.nextInt(1, 3); k > 0; k--) s.append(pick(SPACES)); break;
            case 7: s.append(pick(WORDS)).append(combiningMarks()); break;
            default: {
                int[] block = BLOCKS[rng.nextInt(BLOCKS.length)];
                for (int k = rng.nextInt(1, 6); k > 0; k--) s.appendCodePoint(rng.nextInt(block[0], block[1]));
            }
        }
    }

    private String number() {
        switch (rng.nextInt(6)) {
            case 0: return Integer.toString(rng.nextInt(1000000));
            case 1: return String.format("%.4f", rng.nextDouble() * 1000);
            case 2: return "1,000,000";
            case 3: return "٣٤٥"; // Arabic-Indic digits
            case 4: return "Ⅻ½²①"; // letter and other numbers
            default: return Long.toString(rng.nextLong());
        }
    }

    private String combiningMarks() {
        StringBuilder s = new StringBuilder();
        for (int k = rng.nextInt(1, 3); k > 0; k--) s.appendCodePoint(rng.nextInt(0x0300, 0x036F));
        return s.toString();
    }

    /** Any valid code point (no surrogates), weighted towards ASCII, then the BMP. */
    int codePoint() {
        switch (rng.nextInt(4)) {
            case 0: return rng.nextInt(0, 0x7F);
            case 1: return rng.nextInt(0x80, 0x7FF);
            case 2: {
                int c = rng.nextInt(0x800, 0xFFFF - 0x800);
                return c >= 0xD800 ? c + 0x800 : c; // skip the surrogate range
            }
            default: return rng.nextInt(0x10000, 0x10FFFF);
        }
    }

    Rng rng() {
        return rng;
    }

    private String pick(String[] options) {
        return options[rng.nextInt(options.length)];
    }
}
