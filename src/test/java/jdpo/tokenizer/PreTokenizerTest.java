package jdpo.tokenizer;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The hand-written scanner cuts text exactly where GPT-2's regular expression does. */
class PreTokenizerTest {

    /** GPT-2's pattern; with UNICODE_CHARACTER_CLASS, Java's \s is Unicode White_Space as in Python's regex. */
    private static final Pattern GPT2 = Pattern.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
            Pattern.UNICODE_CHARACTER_CLASS);

    static Stream<Arguments> examples() {
        return Stream.of(
                Arguments.of("Hello world!", List.of("Hello", " world", "!")),
                Arguments.of("don't DON'T", List.of("don", "'t", " DON", "'", "T")),
                Arguments.of("we'll they've I'm", List.of("we", "'ll", " they", "'ve", " I", "'m")),
                Arguments.of("'sand", List.of("'s", "and")),
                Arguments.of("x  y", List.of("x", " ", " y")),
                Arguments.of("x\ty", List.of("x", "\t", "y")),
                Arguments.of("x \t y", List.of("x", " \t", " y")),
                Arguments.of("a\n\n\nb", List.of("a", "\n\n", "\n", "b")),
                Arguments.of("end   ", List.of("end", "   ")),
                Arguments.of("1234 56.7", List.of("1234", " 56", ".", "7")),
                Arguments.of("  !!?", List.of(" ", " !!?")),
                Arguments.of("naïve café", List.of("naïve", " café")),
                Arguments.of("e\u0301", List.of("e", "\u0301")), // a combining mark is not a letter
                Arguments.of("你好 世界", List.of("你好", " 世界")),
                Arguments.of("𝐀𝐁 𝟎", List.of("𝐀𝐁", " 𝟎")), // surrogate pairs are one character
                Arguments.of("a\u00A0b", List.of("a", "\u00A0", "b")), // NBSP is whitespace, not a space
                Arguments.of("a\u001Cb", List.of("a", "\u001C", "b")), // not White_Space (Python's re disagrees)
                Arguments.of("<|endoftext|>", List.of("<|", "endoftext", "|>")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void splitsAsGpt2(String text, List<String> pieces) {
        assertEquals(pieces, PreTokenizer.split(text));
        assertEquals(pieces, regexSplit(text));
    }

    @TestFactory
    List<DynamicTest> randomTextSplitsAsTheRegex() {
        List<DynamicTest> tests = new ArrayList<>();
        for (long seed = 1; seed <= 1000; seed++) {
            String text = new TextGenerator(seed * 7919).next(20);
            tests.add(DynamicTest.dynamicTest("seed=" + seed * 7919 + " chars=" + text.length(),
                    () -> assertEquals(regexSplit(text), PreTokenizer.split(text), TokenizerFiles.quote(text))));
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> everyCodePointHasTheRegexClass() {
        // Each code point between letters, spaces and digits: the cuts show its class. Planes 4
        // to 13 hold no assigned characters (in Unicode 15), so every 31st of them is enough.
        List<DynamicTest> tests = new ArrayList<>();
        for (int plane = 0; plane <= 16; plane++) {
            int from = plane << 16, step = plane >= 4 && plane <= 13 ? 31 : 1;
            tests.add(DynamicTest.dynamicTest(String.format("plane %d step %d", plane, step), () -> {
                for (int cp = from; cp < from + 0x10000; cp += step) {
                    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
                    String c = new String(Character.toChars(cp));
                    String text = "a" + c + "b  " + c + " 1" + c;
                    assertEquals(regexSplit(text), PreTokenizer.split(text), String.format("U+%04X", cp));
                }
            }));
        }
        return tests;
    }

    private static List<String> regexSplit(String text) {
        List<String> pieces = new ArrayList<>();
        Matcher m = GPT2.matcher(text);
        while (m.find()) pieces.add(m.group());
        return pieces;
    }
}
