package jdpo.tokenizer;

import jdpo.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** UTF-8 decoding with Python's errors="replace": one U+FFFD per maximal ill-formed subpart. */
class Utf8Test {

    /** Expected texts from Python 3: bytes.fromhex(hex).decode("utf-8", "replace"). */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "e4 bd | \uFFFD", "e4 bd 41 | \uFFFDA", "ff fe | \uFFFD\uFFFD", "f0 9f 98 21 | \uFFFD!",
        "ed a0 80 | \uFFFD\uFFFD\uFFFD", "c0 af | \uFFFD\uFFFD", "f4 90 80 80 | \uFFFD\uFFFD\uFFFD\uFFFD",
        "61 80 62 | a\uFFFDb", "e0 80 | \uFFFD\uFFFD", "f0 80 80 80 | \uFFFD\uFFFD\uFFFD\uFFFD",
        "f5 | \uFFFD", "c1 bf | \uFFFD\uFFFD", "e1 80 | \uFFFD", "f1 80 80 78 | \uFFFDx",
        "f0 9f 98 80 | \uD83D\uDE00", "ef bf bf | \uFFFF", "ed 9f bf | \uD7FF", "ee 80 80 | \uE000",
        "f4 8f bf bf | \uDBFF\uDFFF", "80 80 | \uFFFD\uFFFD", "e0 a0 | \uFFFD", "df | \uFFFD",
        "e4 bd a0 | 你"})
    void decodesAsPythonReplace(String hex, String expected) {
        String[] parts = hex.trim().split(" ");
        byte[] bytes = new byte[parts.length];
        for (int i = 0; i < parts.length; i++) bytes[i] = (byte) Integer.parseInt(parts[i], 16);
        assertEquals(expected.strip(), Utf8.decode(bytes));
    }

    @Test
    void wellFormedTextDecodesAsJavaDoes() {
        TextGenerator gen = new TextGenerator(21);
        for (int k = 0; k < 500; k++) {
            StringBuilder s = new StringBuilder();
            for (int c = gen.rng().nextInt(0, 40); c > 0; c--) s.appendCodePoint(gen.codePoint());
            assertEquals(s.toString(), Utf8.decode(s.toString().getBytes(StandardCharsets.UTF_8)));
        }
    }

    @Test
    void randomBytesNeverFailAndValidRunsSurvive() {
        Rng rng = new Rng(22);
        for (int k = 0; k < 500; k++) {
            byte[] junk = new byte[rng.nextInt(0, 12)];
            for (int i = 0; i < junk.length; i++) junk[i] = (byte) rng.nextInt(256);
            String text = Utf8.decode(junk);
            // Whatever came out re-encodes to UTF-8 and decodes to itself.
            assertEquals(text, Utf8.decode(text.getBytes(StandardCharsets.UTF_8)));
            // Java agrees whenever the bytes are well-formed.
            String java = new String(junk, StandardCharsets.UTF_8);
            if (!java.contains("\uFFFD")) assertEquals(java, text);
        }
    }
}
