package jdpo.tokenizer;

import jdpo.tensor.Rng;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** decode(encode(s)) == s, and what decoding does with bytes that are not UTF-8. */
class RoundTripTest {

    private final Tokenizer gpt2 = Gpt2Vocabulary.tokenizer();

    @TestFactory
    List<DynamicTest> randomCodePointsRoundTrip() {
        List<DynamicTest> tests = new ArrayList<>();
        for (long seed = 1; seed <= 300; seed++) {
            long s = seed;
            tests.add(DynamicTest.dynamicTest("seed=" + s, () -> {
                TextGenerator gen = new TextGenerator(s);
                Rng rng = gen.rng();
                StringBuilder text = new StringBuilder();
                for (int k = rng.nextInt(0, 80); k > 0; k--) {
                    if (rng.nextInt(10) == 0) text.append(gen.next(3)); else text.appendCodePoint(gen.codePoint());
                }
                assertRoundTrip(text.toString());
            }));
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> longRepeatsRoundTrip() {
        String[] units = {"a", " ", "\n\n", "ab ", "\uFFFD", "\u0000", "\uDBFF\uDFFF", "é\u0301", "👩‍👩‍👧", "'"};
        List<DynamicTest> tests = new ArrayList<>();
        for (String unit : units) {
            tests.add(DynamicTest.dynamicTest(TokenizerFiles.quote(unit) + " x20000",
                    () -> assertRoundTrip(unit.repeat(20_000))));
        }
        return tests;
    }

    @Test
    void invalidLookingTextRoundTrips() {
        for (String s : new String[] {"", "\uFFFD\uFFFD", "\uFEFF", "\uFFFE\uFFFF", "\u0000\u0001\u007F",
                "\u200D\u200D", "\uDB40\uDC01", "\u0301\u0301", "<|endoftext|>", "Ġ", "Ċ", "\\x80"}) {
            assertRoundTrip(s);
        }
    }

    @Test
    void unpairedSurrogatesEncodeAsReplacementCharacters() {
        // No UTF-8 form exists for a lone surrogate; it is written as U+FFFD, never dropped.
        assertEquals("a\uFFFDb", gpt2.decode(gpt2.encode("a\uD800b")));
        assertEquals("\uFFFD\uFFFDx", gpt2.decode(gpt2.encode("\uDC00\uD800x")));
        assertEquals("\uFFFD😀", gpt2.decode(gpt2.encode("\uD83D\uD83D\uDE00")));
        assertArrayEquals(gpt2.encode("x\uFFFD"), gpt2.encode("x\uDFFF"));
        assertArrayEquals(gpt2.encode("\uFFFD"), gpt2.encodeWithSpecial("\uD800"));
    }

    @Test
    void bytesThatAreNotUtf8DecodeAsPythonsErrorsReplace() {
        // Expected strings from Python: bytes.decode("utf-8", "replace"), one U+FFFD per maximal bad subpart.
        check("\uFFFD", 0xe4, 0xbd);
        check("\uFFFDA", 0xe4, 0xbd, 'A');
        check("\uFFFD\uFFFD", 0xff, 0xfe);
        check("\uFFFD!", 0xf0, 0x9f, 0x98, '!');
        check("\uFFFD\uFFFD\uFFFD", 0xed, 0xa0, 0x80);
        check("\uFFFD\uFFFD", 0xc0, 0xaf);
        check("\uFFFD\uFFFD\uFFFD\uFFFD", 0xf4, 0x90, 0x80, 0x80);
        check("a\uFFFDb", 'a', 0x80, 'b');
        check("你", 0xe4, 0xbd, 0xa0);
    }

    @Test
    void aCharacterSplitAcrossTokensDecodesWhole() {
        int[] ids = gpt2.encode("你");
        assertEquals(2, ids.length);
        assertEquals("\uFFFD", gpt2.tokenText(ids[0]));
        assertEquals("你", gpt2.decode(ids));
        assertEquals("你", gpt2.decode(List.of(ids[0], ids[1])));
        assertEquals("\uFFFD", gpt2.decode(ids, 1, 2));
    }

    /** Decodes the byte tokens of {@code bytes} (GPT-2 has one token per byte). */
    private void check(String expected, int... bytes) {
        int[] ids = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            ids[i] = gpt2.id(String.valueOf(ByteAlphabet.charOf(bytes[i]))).getAsInt();
        }
        assertEquals(expected, gpt2.decode(ids));
    }

    private void assertRoundTrip(String s) {
        assertEquals(s, gpt2.decode(gpt2.encode(s)), () -> TokenizerFiles.quote(s.length() > 200 ? s.substring(0, 200) : s));
        assertEquals(s, gpt2.decode(gpt2.encodeWithSpecial(s)));
    }
}
