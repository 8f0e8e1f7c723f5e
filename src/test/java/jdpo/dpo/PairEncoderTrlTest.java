package jdpo.dpo;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import jdpo.TestFiles;
import jdpo.tokenizer.Tokenizer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link PairEncoder} against the ids TRL 1.13's own DPOTrainer prepares.
 * {@code scripts/reference/trl_tokenization.py} let TRL tokenize 40 varied pairs (responses
 * without a leading space, prompts ending in a space, digits, apostrophes and punctuation across
 * the boundary, the literal {@code <|endoftext|>}) with weights/tiny's vocabulary and with
 * GPT-2's, and once more with {@code max_length} 12, where TRL drops the pairs whose prompt fills
 * it and cuts the rows.
 */
class PairEncoderTrlTest {
    private static final Path FIXTURE = TestFiles.resource("fixtures/interop/trl-tokenization.json");
    private static final int NO_LIMIT = 1 << 20;

    private static JsonObject fixture() throws IOException {
        return JsonParser.parseString(Files.readString(FIXTURE, StandardCharsets.UTF_8)).getAsJsonObject();
    }

    private static List<PreferencePair> pairs(JsonObject fixture) {
        List<PreferencePair> out = new ArrayList<>();
        int i = 0;
        for (JsonElement e : fixture.getAsJsonArray("pairs")) {
            JsonObject p = e.getAsJsonObject();
            out.add(new PreferencePair(p.get("prompt").getAsString(), p.get("chosen").getAsString(),
                    p.get("rejected").getAsString(), "pair " + i++));
        }
        return out;
    }

    @TestFactory
    List<DynamicTest> jointTokenizationGivesTrlsIdsWithBothVocabularies() throws IOException {
        JsonObject fixture = fixture();
        List<PreferencePair> pairs = pairs(fixture);
        List<DynamicTest> tests = new ArrayList<>();
        for (String vocab : List.of("weights/tiny", "weights/gpt2")) {
            Tokenizer tok = Tokenizer.load(Path.of(vocab));
            PairEncoder joint = new PairEncoder(tok, NO_LIMIT, 0, NO_LIMIT, PairEncoder.Tokenization.JOINT);
            JsonArray trl = fixture.getAsJsonObject("vocabularies").getAsJsonArray(vocab);
            assertEquals(pairs.size(), trl.size(), vocab);
            for (int i = 0; i < pairs.size(); i++) {
                PreferencePair pair = pairs.get(i);
                JsonObject want = trl.get(i).getAsJsonObject();
                tests.add(DynamicTest.dynamicTest(vocab + " " + pair.source + " " + Arrays.asList(pair.prompt, pair.chosen), () -> {
                    EncodedPair got = joint.encode(pair);
                    int[] prompt = ids(want, "prompt_ids");
                    // TRL leaves an empty prompt empty; jdpo starts it with bos, so that the first token is scored.
                    assertArrayEquals(prompt.length == 0 ? new int[] {tok.eosId()} : prompt, got.promptIds, "prompt");
                    assertArrayEquals(ids(want, "chosen_ids"), got.chosenIds, "chosen");
                    assertArrayEquals(ids(want, "rejected_ids"), got.rejectedIds, "rejected");
                }));
            }
        }
        return tests;
    }

    /** The fixture's pairs are chosen so that the two ways differ: on a few, not on most. */
    @Test
    void separateTokenizationDiffersOnTheBoundaryCasesOnly() throws IOException {
        JsonObject fixture = fixture();
        List<PreferencePair> pairs = pairs(fixture);
        String[] vocabs = {"weights/tiny", "weights/gpt2"};
        for (int v = 0; v < 2; v++) {
            Tokenizer tok = Tokenizer.load(Path.of(vocabs[v]));
            PairEncoder joint = new PairEncoder(tok, NO_LIMIT, 0, NO_LIMIT, PairEncoder.Tokenization.JOINT);
            PairEncoder separate = new PairEncoder(tok, NO_LIMIT, 0, NO_LIMIT, PairEncoder.Tokenization.SEPARATE);
            int different = 0;
            for (PreferencePair p : pairs) {
                EncodedPair a = joint.encode(p), b = separate.encode(p);
                if (!Arrays.equals(a.chosenIds, b.chosenIds) || !Arrays.equals(a.rejectedIds, b.rejectedIds)) different++;
            }
            assertTrue(different > 0 && different < pairs.size(), vocabs[v] + ": " + different + " of " + pairs.size() + " differ");
        }
        // Leading-space responses after a prompt without a trailing space tokenize the same both ways.
        Tokenizer gpt2 = Tokenizer.load(Path.of("weights/gpt2"));
        PreferencePair plain = new PreferencePair("The movie was", " great.", " bad.", "t");
        assertEquals(List.of(Arrays.toString(new PairEncoder(gpt2, NO_LIMIT, 0, NO_LIMIT, PairEncoder.Tokenization.JOINT).encode(plain).chosenIds)),
                List.of(Arrays.toString(new PairEncoder(gpt2, NO_LIMIT, 0, NO_LIMIT, PairEncoder.Tokenization.SEPARATE).encode(plain).chosenIds)));
    }

    @Test
    void pairsWhosePromptFillsMaxLengthAreDroppedAndRowsKeepTheirStartAsInTrl() throws IOException {
        JsonObject fixture = fixture();
        int maxLength = fixture.get("max_length").getAsInt();
        Tokenizer tok = Tokenizer.load(Path.of("weights/tiny"));
        PairEncoder joint = new PairEncoder(tok, maxLength, 0, NO_LIMIT, PairEncoder.Tokenization.JOINT);
        List<PreferencePair> all = pairs(fixture);
        PairEncoder.Encoded e = joint.encodeAll(all);
        JsonArray kept = fixture.getAsJsonArray("short");
        assertEquals(kept.size(), e.pairs().size(), "pairs TRL keeps");
        assertEquals(all.size() - kept.size(), e.dropped(), "pairs dropped");
        assertTrue(e.dropped() > 0, "the fixture has pairs to drop");
        for (int i = 0; i < kept.size(); i++) {
            JsonObject want = kept.get(i).getAsJsonObject();
            EncodedPair got = e.pairs().get(i);
            assertEquals(want.get("prompt").getAsString(), e.texts().get(i).prompt, "kept pair " + i);
            if (got.promptIds.length == 1 && ids(want, "prompt_ids").length == 0) continue;  // the empty prompt's bos
            assertArrayEquals(ids(want, "chosen_row"), concat(got.promptIds, got.chosenIds), "chosen row " + i);
            assertArrayEquals(ids(want, "rejected_row"), concat(got.promptIds, got.rejectedIds), "rejected row " + i);
        }
        for (PreferencePair p : all) {
            if (tok.encodeWithSpecial(p.prompt).length >= maxLength) assertNull(joint.encode(p), p.source);
        }
    }

    @Test
    void literalEndOfTextInDataIsTheSpecialTokenAndEndsAResponseOnce() {
        Tokenizer gpt2 = Tokenizer.load(Path.of("weights/gpt2"));
        for (PairEncoder.Tokenization mode : PairEncoder.Tokenization.values()) {
            PairEncoder enc = new PairEncoder(gpt2, NO_LIMIT, 0, NO_LIMIT, mode);
            EncodedPair p = enc.encode(new PreferencePair("Doc<|endoftext|>", " a<|endoftext|>", " b", "t"));
            assertEquals(50256, p.promptIds[p.promptIds.length - 1], mode.toString());
            assertEquals(2, p.chosenIds.length, mode + ": ' a' and one eos");
            assertEquals(50256, p.chosenIds[1], mode.toString());
        }
    }

    private static int[] ids(JsonObject o, String name) {
        JsonArray a = o.getAsJsonArray(name);
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).getAsInt();
        return out;
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
