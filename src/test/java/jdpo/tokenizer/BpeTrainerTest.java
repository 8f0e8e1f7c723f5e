package jdpo.tokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Learning a small vocabulary: deterministic, GPT-2's layout, lossless, and written in GPT-2's files. */
class BpeTrainerTest {

    private static final int VOCAB = 600;

    private static List<String> corpus(long seed, int documents) {
        TextGenerator gen = new TextGenerator(seed);
        List<String> docs = new ArrayList<>();
        for (int d = 0; d < documents; d++) docs.add(gen.next(40));
        return docs;
    }

    @Test
    void trainingIsDeterministicAndIgnoresDocumentOrder() {
        List<String> docs = corpus(11, 300);
        Tokenizer a = BpeTrainer.train(docs, VOCAB);
        List<String> reversed = new ArrayList<>(docs);
        Collections.reverse(reversed);
        Tokenizer b = BpeTrainer.train(reversed, VOCAB);
        assertEquals(a.merges().count(), b.merges().count());
        for (int id = 0; id < a.vocabSize(); id++) assertEquals(a.tokenString(id), b.tokenString(id), "id " + id);
        for (int r = 0; r < a.merges().count(); r++) {
            assertEquals(a.merges().left(r), b.merges().left(r));
            assertEquals(a.merges().right(r), b.merges().right(r));
        }
    }

    @Test
    void vocabularyIsBytesInGpt2OrderThenMergesThenEndOfText() {
        Tokenizer t = BpeTrainer.train(corpus(12, 300), VOCAB);
        Tokenizer gpt2 = Gpt2Vocabulary.tokenizer();
        assertEquals(VOCAB, t.vocabSize());
        for (int id = 0; id < 256; id++) assertEquals(gpt2.tokenString(id), t.tokenString(id), "id " + id);
        assertEquals(VOCAB - 1, t.eosId());
        assertEquals(Tokenizer.END_OF_TEXT, t.tokenString(VOCAB - 1));
        assertEquals(VOCAB - 1 - 256, t.merges().count());
    }

    @Test
    void trainedTokenizerRoundTripsAndCompresses() {
        List<String> docs = corpus(13, 300);
        Tokenizer t = BpeTrainer.train(docs, VOCAB);
        long bytes = 0, ids = 0;
        for (String doc : docs) {
            int[] enc = t.encode(doc);
            assertEquals(doc, t.decode(enc));
            bytes += doc.getBytes(StandardCharsets.UTF_8).length;
            ids += enc.length;
        }
        for (String text : corpus(99, 50)) assertEquals(text, t.decode(t.encode(text)));
        assertEquals(true, ids < bytes * 0.8, "merges should shorten the training text: " + ids + " ids for " + bytes + " bytes");
    }

    @Test
    void savedFilesReloadToTheSameIds(@TempDir Path dir) throws IOException {
        Tokenizer t = BpeTrainer.train(corpus(14, 300), VOCAB);
        t.save(dir);
        assertEquals("#version: 0.2", Files.readAllLines(dir.resolve("merges.txt")).get(0));
        assertEquals(VOCAB - 256, Files.readAllLines(dir.resolve("merges.txt")).size());
        Tokenizer back = Tokenizer.load(dir);
        assertEquals(t.vocabSize(), back.vocabSize());
        assertEquals(t.eosId(), back.eosId());
        for (String text : corpus(15, 200)) {
            assertArrayEquals(t.encode(text), back.encode(text));
            assertArrayEquals(t.encodeWithSpecial(text), back.encodeWithSpecial(text));
        }
    }

    @Test
    void tiesGoToTheSmallerIdsAndCountsComeFirst() {
        // "ab cd": (a,b), (Ġ,c), (c,d) all occur once; ids a=64 < c=66 < Ġ=220.
        Tokenizer t = BpeTrainer.train(List.of("ab cd"), 260);
        assertEquals(List.of("ab", "cd", "Ġcd", Tokenizer.END_OF_TEXT),
                List.of(t.tokenString(256), t.tokenString(257), t.tokenString(258), t.tokenString(259)));
        // "cd cd cd ab": (c,d) occurs 3 times, (Ġ,c) twice, (a,b) once.
        Tokenizer u = BpeTrainer.train(List.of("cd cd cd ab"), 259);
        assertEquals("cd", u.tokenString(256));
        assertEquals("Ġcd", u.tokenString(257));
    }

    @Test
    void noMergeCrossesAPreTokenBoundary() {
        // Letters, digits and symbols alternate: every pre-token is one byte, so nothing can merge.
        Tokenizer t = BpeTrainer.train(Collections.nCopies(50, "a1b2c3.d,e!f"), 400);
        assertEquals(257, t.vocabSize());
        // The end-of-text marker separates documents and is not learned as text.
        Tokenizer u = BpeTrainer.train(List.of("<|endoftext|>".repeat(100)), 400);
        assertEquals(257, u.vocabSize());
    }

    @Test
    void unpairedSurrogatesAreLearnedAsReplacementCharacters() {
        // U+FFFD is EF BF BD in UTF-8; "¿½" spells the bytes BF BD (a '?' would give neither).
        Tokenizer t = BpeTrainer.train(Collections.nCopies(20, "\uD800\uDC00\uDC00"), 258);
        assertEquals("¿½", t.tokenString(256));
        assertEquals("\uD800\uDC00\uFFFD", t.decode(t.encode("\uD800\uDC00\uDC00")));
    }

    @Test
    void vocabularySmallerThanTheBytesIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> BpeTrainer.train(List.of("x"), 256));
    }

    @Test
    void mergeAllJoinsLeftToRightWithoutOverlap() {
        assertArrayEquals(new int[] {9, 1}, BpeTrainer.mergeAll(new int[] {1, 1, 1}, 1, 1, 9));
        assertArrayEquals(new int[] {9, 9}, BpeTrainer.mergeAll(new int[] {1, 1, 1, 1}, 1, 1, 9));
        assertArrayEquals(new int[] {0, 9, 2, 9}, BpeTrainer.mergeAll(new int[] {0, 1, 2, 2, 1, 2}, 1, 2, 9));
    }
}
