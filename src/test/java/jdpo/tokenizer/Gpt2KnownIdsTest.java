package jdpo.tokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.Arguments;

import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The ids that GPT-2's own tokenizer gives (from the vocabulary's README), and its special token. */
class Gpt2KnownIdsTest {

    private final Tokenizer gpt2 = Gpt2Vocabulary.tokenizer();

    static Stream<Arguments> knownIds() {
        return Stream.of(
                Arguments.of("Hello world", new int[] {15496, 995}),
                Arguments.of("Hello world!", new int[] {15496, 995, 0}),
                Arguments.of("Hello, how are you?", new int[] {15496, 11, 703, 389, 345, 30}),
                Arguments.of("The sky is", new int[] {464, 6766, 318}),
                Arguments.of(" blue", new int[] {4171}),
                Arguments.of(" green", new int[] {4077}));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("knownIds")
    void encodesAsGpt2Does(String text, int[] ids) {
        assertArrayEquals(ids, gpt2.encode(text));
        assertEquals(text, gpt2.decode(ids));
    }

    @Test
    void endOfTextIsTheSpecialTokenOnlyWhenAllowed() {
        assertEquals(50256, gpt2.eosId());
        assertArrayEquals(new int[] {31373, 220, 50256}, gpt2.encodeWithSpecial("hello <|endoftext|>"));
        // As plain text the marker is "<", "|", "end", "of", "text", "|", ">".
        int[] plain = gpt2.encode("hello <|endoftext|>");
        assertArrayEquals(new int[] {31373, 1279, 91, 437, 1659, 5239, 91, 29}, plain);
        assertEquals("hello <|endoftext|>", gpt2.decode(plain));
        assertEquals("hello <|endoftext|>", gpt2.decode(new int[] {31373, 220, 50256}));
        assertArrayEquals(new int[] {50256, 50256, 15496, 50256},
                gpt2.encodeWithSpecial("<|endoftext|><|endoftext|>Hello<|endoftext|>"));
    }

    @Test
    void vocabularyShapeAndTokenSpellings() {
        assertEquals(50257, gpt2.vocabSize());
        assertEquals(50000, gpt2.merges().count());
        assertEquals("Ġworld", gpt2.tokenString(995));
        assertEquals(" world", gpt2.tokenText(995));
        assertEquals("<|endoftext|>", gpt2.tokenText(50256));
        assertEquals(995, gpt2.id("Ġworld").getAsInt());
        assertEquals("\n", gpt2.tokenText(198));
        assertEquals("Ċ", gpt2.tokenString(198));
    }

    @Test
    void byteTokenIdsFollowBytesToUnicodeOrder() {
        for (int id = 0; id < 256; id++) {
            int b = ByteAlphabet.byteAt(id);
            assertEquals(String.valueOf(ByteAlphabet.charOf(b)), gpt2.tokenString(id), "id " + id);
            assertArrayEquals(new byte[] {(byte) b}, gpt2.tokenBytes(id), "id " + id);
        }
        assertEquals(List.of("Ġ", "Ċ", "ĉ"), List.of(gpt2.tokenString(220), gpt2.tokenString(198), gpt2.tokenString(197)));
    }
}
