package jdpo.gpt2;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import jdpo.TestFiles;
import jdpo.cli.Cli;
import jdpo.io.BadInputException;
import jdpo.tokenizer.Tokenizer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A model directory as transformers 5.x saves it: tokenizer.json and tokenizer_config.json, no
 * vocab.json or merges.txt. {@code scripts/reference/transformers5_saved.py} loaded weights/tiny
 * with transformers 5.18's GPT2LMHeadModel and GPT2Tokenizer, saved both with save_pretrained,
 * kept the small files (its model.safetensors holds weights/tiny's tensors bit for bit, which the
 * script checks) and recorded the ids and log-probs transformers computes from the saved
 * directory. jdpo must load that directory to the same ids and log-probs (within 1e-4).
 */
class Transformers5DirectoryTest {
    private static final Path SAVED = TestFiles.resource("fixtures/interop/transformers5-tiny");
    private static JsonObject expected;

    @BeforeAll
    static void load() throws IOException {
        expected = JsonParser.parseString(Files.readString(SAVED.resolve("expected.json"), StandardCharsets.UTF_8)).getAsJsonObject();
    }

    /** The saved directory with weights/tiny's weights beside it, as transformers saved them. */
    private static Path modelDirectory(Path tmp) throws IOException {
        for (String name : new String[] {"config.json", "tokenizer.json", "tokenizer_config.json"}) {
            Files.copy(SAVED.resolve(name), tmp.resolve(name));
        }
        Files.copy(Path.of("weights/tiny/model.safetensors"), tmp.resolve("model.safetensors"));
        return tmp;
    }

    @Test
    void theFixtureIsWhatTransformers5Saves() {
        assertTrue(expected.get("made_by").getAsString().startsWith("transformers 5."), expected.get("made_by").getAsString());
        String saved = expected.get("saved_files").toString();
        assertFalse(saved.contains("vocab.json") || saved.contains("merges.txt"), saved);
        assertTrue(saved.contains("tokenizer.json"), saved);
    }

    @Test
    void logprobsOnASavedDirectoryGivesTransformersIdsAndLogProbs(@TempDir Path tmp) throws IOException {
        Path dir = modelDirectory(tmp);
        for (JsonElement e : expected.getAsJsonArray("cases")) {
            JsonObject c = e.getAsJsonObject();
            Cli cli = Cli.run("logprobs", "--model", dir.toString(), "--prompt", c.get("prompt").getAsString(),
                    "--response", c.get("response").getAsString(), "--eos", "--json", "--threads", "1");
            assertEquals(0, cli.exitCode, cli.toString());
            JsonObject got = JsonParser.parseString(cli.out).getAsJsonObject();
            assertArrayEquals(ints(c.getAsJsonArray("prompt_ids")), ints(got.getAsJsonArray("prompt_ids")), "prompt ids");
            JsonArray tokens = got.getAsJsonArray("tokens"), want = c.getAsJsonArray("response_ids"), logprobs = c.getAsJsonArray("logprobs");
            assertEquals(want.size(), tokens.size(), "response tokens");
            for (int i = 0; i < tokens.size(); i++) {
                JsonObject t = tokens.get(i).getAsJsonObject();
                assertEquals(want.get(i).getAsInt(), t.get("id").getAsInt(), "response id " + i);
                assertEquals(logprobs.get(i).getAsDouble(), t.get("logprob").getAsDouble(), 1e-4, "log-prob " + i);
            }
        }
    }

    @Test
    void tokenizerJsonGivesTransformersIdsWithTheSpecialTokenAndTheSameAsVocabJson() {
        Tokenizer fromJson = Tokenizer.load(SAVED), fromVocab = Tokenizer.load(Path.of("weights/tiny"));
        assertEquals(fromVocab.vocabSize(), fromJson.vocabSize());
        for (JsonElement e : expected.getAsJsonArray("strings")) {
            String text = e.getAsJsonObject().get("text").getAsString();
            assertArrayEquals(ints(e.getAsJsonObject().getAsJsonArray("ids")), fromJson.encodeWithSpecial(text), text);
            assertArrayEquals(fromVocab.encodeWithSpecial(text), fromJson.encodeWithSpecial(text), text);
        }
    }

    /** tokenizers before 0.20 wrote each merge as one string "left right"; both forms read the same. */
    @Test
    void mergesWrittenAsStringsReadTheSameAsPairs(@TempDir Path tmp) throws IOException {
        JsonObject json = JsonParser.parseString(Files.readString(SAVED.resolve("tokenizer.json"), StandardCharsets.UTF_8)).getAsJsonObject();
        JsonArray pairs = json.getAsJsonObject("model").getAsJsonArray("merges"), strings = new JsonArray();
        assertTrue(pairs.get(0).isJsonArray(), "transformers 5.18 writes pairs");
        for (JsonElement p : pairs) strings.add(p.getAsJsonArray().get(0).getAsString() + " " + p.getAsJsonArray().get(1).getAsString());
        json.getAsJsonObject("model").add("merges", strings);
        Files.writeString(tmp.resolve("tokenizer.json"), json.toString(), StandardCharsets.UTF_8);
        Tokenizer a = Tokenizer.load(SAVED), b = Tokenizer.load(tmp);
        for (JsonElement e : expected.getAsJsonArray("strings")) {
            String text = e.getAsJsonObject().get("text").getAsString();
            assertArrayEquals(a.encodeWithSpecial(text), b.encodeWithSpecial(text), text);
        }
    }

    /** An added token outside model.vocab takes the id the added_tokens list gives it. */
    @Test
    void anAddedTokenMissingFromTheVocabularyKeepsItsId(@TempDir Path tmp) throws IOException {
        JsonObject json = JsonParser.parseString(Files.readString(SAVED.resolve("tokenizer.json"), StandardCharsets.UTF_8)).getAsJsonObject();
        json.getAsJsonObject("model").getAsJsonObject("vocab").remove(Tokenizer.END_OF_TEXT);
        Files.writeString(tmp.resolve("tokenizer.json"), json.toString(), StandardCharsets.UTF_8);
        assertEquals(1023, Tokenizer.load(tmp).eosId());
    }

    @Test
    void aTokenizerJsonThatIsNotByteLevelBpeIsRefusedInOneLine(@TempDir Path tmp) throws IOException {
        JsonObject json = JsonParser.parseString(Files.readString(SAVED.resolve("tokenizer.json"), StandardCharsets.UTF_8)).getAsJsonObject();
        json.getAsJsonObject("model").addProperty("type", "WordPiece");
        Files.writeString(tmp.resolve("tokenizer.json"), json.toString(), StandardCharsets.UTF_8);
        BadInputException e = assertThrows(BadInputException.class, () -> Tokenizer.load(tmp));
        assertTrue(e.getMessage().contains("WordPiece") && !e.getMessage().contains("\n"), e.getMessage());
    }

    /** What jdpo saves, it reads back from tokenizer.json alone to the same ids. */
    @Test
    void jdposOwnTokenizerJsonReadsBackAlone(@TempDir Path tmp) throws IOException {
        Tokenizer gpt2 = Tokenizer.load(Path.of("weights/gpt2"));
        gpt2.save(tmp);
        assertTrue(Files.exists(tmp.resolve("tokenizer_config.json")));
        Files.delete(tmp.resolve("vocab.json"));
        Files.delete(tmp.resolve("merges.txt"));
        Tokenizer back = Tokenizer.load(tmp);
        for (JsonElement e : expected.getAsJsonArray("strings")) {
            String text = e.getAsJsonObject().get("text").getAsString();
            assertArrayEquals(gpt2.encodeWithSpecial(text), back.encodeWithSpecial(text), text);
        }
        assertEquals(50256, back.eosId());
    }

    private static int[] ints(JsonArray a) {
        int[] v = new int[a.size()];
        for (int i = 0; i < v.length; i++) v[i] = a.get(i).getAsInt();
        return v;
    }
}
