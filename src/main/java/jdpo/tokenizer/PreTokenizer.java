package jdpo.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * GPT-2's pre-tokenization: cuts text into the pieces that BPE merges within (never across).
 * It is a hand-written scanner for GPT-2's regular expression
 * <pre>
 *   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
 * </pre>
 * taking the first alternative that matches at each position, as the regex does:
 * <ol>
 *   <li>a lower-case English contraction ({@code 's}, {@code 't}, {@code 're}, {@code 've},
 *       {@code 'm}, {@code 'll}, {@code 'd}; "DON'T" has none);</li>
 *   <li>a run of letters, of digits, or of other symbols, with at most one leading space
 *       (U+0020 only: a tab or newline never joins a word);</li>
 *   <li>a run of whitespace that is not followed by a non-space, so a run of spaces before a
 *       word leaves its last space to the word ({@code "  a"} is {@code " ", " a"});</li>
 *   <li>otherwise a whitespace run as a whole.</li>
 * </ol>
 * Classes follow Unicode, on code points (surrogate pairs count as one character): letters are
 * categories L*, digits N*, whitespace is the White_Space property (Z-separators, U+0009..U+000D
 * and U+0085, as Python's {@code regex} module and Java's {@code UNICODE_CHARACTER_CLASS} define
 * {@code \s}); everything else, an unpaired surrogate included, is "other".
 */
final class PreTokenizer {

    static final int LETTER = 0, NUMBER = 1, SPACE = 2, OTHER = 3;

    private static final byte[] ASCII_CLASS = new byte[128];

    static {
        for (int c = 0; c < 128; c++) ASCII_CLASS[c] = (byte) classOfNonAscii(c);
    }

    private PreTokenizer() {
    }

    /** The character class of code point {@code cp}: LETTER, NUMBER, SPACE or OTHER. */
    static int classOf(int cp) {
        return cp < 128 ? ASCII_CLASS[cp] : classOfNonAscii(cp);
    }

    private static int classOfNonAscii(int cp) {
        switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER: case Character.LOWERCASE_LETTER:
            case Character.TITLECASE_LETTER: case Character.MODIFIER_LETTER: case Character.OTHER_LETTER:
                return LETTER;
            case Character.DECIMAL_DIGIT_NUMBER: case Character.LETTER_NUMBER: case Character.OTHER_NUMBER:
                return NUMBER;
            case Character.SPACE_SEPARATOR: case Character.LINE_SEPARATOR: case Character.PARAGRAPH_SEPARATOR:
                return SPACE;
            default:
                return (cp >= 0x09 && cp <= 0x0D) || cp == 0x85 ? SPACE : OTHER;
        }
    }

    /** The pieces of {@code text}, in order; their concatenation is {@code text}. */
    static List<String> split(String text) {
        List<String> pieces = new ArrayList<>();
        for (int start = 0; start < text.length(); ) {
            int end = end(text, start);
            pieces.add(text.substring(start, end));
            start = end;
        }
        return pieces;
    }

    /** The end (exclusive char index) of the piece that starts at {@code start < text.length()}. */
    static int end(String text, int start) {
        int n = text.length();
        int cp = text.codePointAt(start);
        if (cp == '\'') {
            int contraction = contractionLength(text, start + 1);
            if (contraction > 0) return start + 1 + contraction;
        }
        int cls = classOf(cp);
        int i = start + Character.charCount(cp);
        if (cp == ' ' && i < n) {
            int nextClass = classOf(text.codePointAt(i));
            if (nextClass != SPACE) cls = nextClass; // " ?\p{L}+" and its siblings take the space along
        }
        if (cls != SPACE) {
            while (i < n) {
                int c = text.codePointAt(i);
                if (classOf(c) != cls) break;
                i += Character.charCount(c);
            }
            return i;
        }
        while (i < n && classOf(text.charAt(i)) == SPACE) i++; // whitespace is always one char
        // \s+(?!\S): before a non-space, the run gives its last character back, unless that
        // would leave nothing, in which case \s+ takes the single character.
        return i < n && i - start >= 2 ? i - 1 : i;
    }

    /** Length of the contraction suffix (s, t, re, ve, m, ll, d) at {@code i}, or 0. */
    private static int contractionLength(String text, int i) {
        if (i >= text.length()) return 0;
        char a = text.charAt(i);
        if (a == 's' || a == 't' || a == 'm' || a == 'd') return 1;
        if (i + 1 >= text.length()) return 0;
        char b = text.charAt(i + 1);
        return (a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l') ? 2 : 0;
    }
}
