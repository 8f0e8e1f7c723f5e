package jdpo.tokenizer;

import jdpo.io.BadInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reading and writing vocab.json + merges.txt, and one clear line for every kind of bad file. */
class TokenizerFilesTest {

    @Test
    void gpt2SavesAndReloadsToTheSameIds(@TempDir Path dir) {
        Tokenizer gpt2 = Gpt2Vocabulary.tokenizer();
        gpt2.save(dir);
        Tokenizer back = Tokenizer.load(dir);
        assertEquals(gpt2.vocabSize(), back.vocabSize());
        for (int id = 0; id < gpt2.vocabSize(); id++) assertEquals(gpt2.tokenString(id), back.tokenString(id));
        TextGenerator gen = new TextGenerator(5);
        for (int k = 0; k < 200; k++) {
            String text = gen.next(20);
            assertArrayEquals(gpt2.encodeWithSpecial(text), back.encodeWithSpecial(text));
        }
        assertFalse(Files.exists(dir.resolve("vocab.json.tmp")));
    }

    @Test
    void huggingFaceTinyCheckpointTokenizerLoads() throws URISyntaxException {
        Path dir = Path.of(getClass().getResource("tiny_gpt2/vocab.json").toURI()).getParent();
        Tokenizer tiny = Tokenizer.load(dir);
        assertEquals(21, tiny.vocabSize());
        assertEquals(20, tiny.eosId());
        assertEquals(4, tiny.merges().count());
        // Ġ l -> Ġl, Ġl o -> Ġlo, Ġlo w -> Ġlow, e r -> er.
        assertArrayEquals(new int[] {14, 15}, tiny.encode(" lower"));
        assertEquals(" lower", tiny.decode(new int[] {14, 15}));
        assertArrayEquals(new int[] {14, 3, 5, 6, 20}, tiny.encodeWithSpecial(" lowest<|endoftext|>"));
        // No byte tokens: what the vocabulary lacks becomes <unk>, as in Hugging Face.
        assertArrayEquals(new int[] {19, 19, 19, 19}, tiny.encode("L€")); // one per byte
    }

    @Test
    void missingFilesNameTheFile(@TempDir Path dir) throws IOException {
        BadInputException e = assertThrows(BadInputException.class, () -> Tokenizer.load(dir.resolve("nope")));
        assertTrue(e.getMessage().contains("nope"), e.getMessage());
        e = assertThrows(BadInputException.class, () -> Tokenizer.load(dir));
        assertTrue(e.getMessage().contains("vocab.json: no such file"), e.getMessage());
        write(dir, "vocab.json", "{\"a\": 0}");
        e = assertThrows(BadInputException.class, () -> Tokenizer.load(dir));
        assertTrue(e.getMessage().contains("merges.txt: no such file"), e.getMessage());
    }

    @Test
    void badVocabularyIsOneLineNamingTheFile(@TempDir Path dir) throws IOException {
        write(dir, "merges.txt", "#version: 0.2\n");
        expectVocabError(dir, "[1, 2]", "not a JSON object");
        expectVocabError(dir, "{\"a\": 0, ", "not a JSON object");
        expectVocabError(dir, "{\"a\": \"zero\"}", "is not a number");
        expectVocabError(dir, "{\"a\": 0.5}", "not a non-negative integer");
        expectVocabError(dir, "{\"a\": 0, \"a\": 1}", "appears twice");
        expectVocabError(dir, "{\"a\": 0, \"b\": 0}", "id 0 is given to both");
        expectVocabError(dir, "{\"a\": 0, \"b\": 2}", "ids must be 0..1");
        expectVocabError(dir, "{}", "no tokens");
    }

    @Test
    void badMergesNameTheLine(@TempDir Path dir) throws IOException {
        write(dir, "vocab.json", "{\"a\": 0, \"b\": 1, \"ab\": 2, \"c\": 3}");
        expectMergesError(dir, "#version: 0.2\na b\nab\n", "merges.txt line 3: expected two tokens");
        expectMergesError(dir, "#version: 0.2\na  b\n", "merges.txt line 2: expected two tokens");
        expectMergesError(dir, "a b\nb x\n", "merges.txt line 2: token \"x\" is not in vocab.json");
        expectMergesError(dir, "a c\n", "merges.txt line 1: token \"ac\" is not in vocab.json");
        expectMergesError(dir, "a b\r\na b\r\n", "merges.txt line 2: merge \"a b\" repeats line 1");
        write(dir, "merges.txt", "#version: 0.2\r\na b\r\n");
        assertArrayEquals(new int[] {2, 3}, Tokenizer.load(dir).encode("abc"));
        assertThrows(BadInputException.class, () -> Tokenizer.load(dir).eosId());
        BadInputException e = assertThrows(BadInputException.class, () -> Tokenizer.load(dir).encode("d"));
        assertTrue(e.getMessage().contains("no token for byte 0x64"), e.getMessage());
    }

    @Test
    void idsOutsideTheVocabularyAreRefused() {
        Tokenizer gpt2 = Gpt2Vocabulary.tokenizer();
        assertThrows(BadInputException.class, () -> gpt2.decode(new int[] {50257}));
        assertThrows(BadInputException.class, () -> gpt2.tokenText(-1));
    }

    private static void expectVocabError(Path dir, String json, String what) throws IOException {
        write(dir, "vocab.json", json);
        BadInputException e = assertThrows(BadInputException.class, () -> Tokenizer.load(dir), json);
        assertTrue(e.getMessage().startsWith(dir.resolve("vocab.json").toString()), e.getMessage());
        assertTrue(e.getMessage().contains(what), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    private static void expectMergesError(Path dir, String merges, String what) throws IOException {
        write(dir, "merges.txt", merges);
        BadInputException e = assertThrows(BadInputException.class, () -> Tokenizer.load(dir), merges);
        assertTrue(e.getMessage().contains(what), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    private static void write(Path dir, String name, String text) throws IOException {
        Files.writeString(dir.resolve(name), text, StandardCharsets.UTF_8);
    }
}
