package jdpo.gpt2;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import jdpo.TestFiles;
import jdpo.dpo.ResponseLogProbs;
import jdpo.io.Json;
import jdpo.tensor.Kernels;
import jdpo.tensor.Parallel;
import jdpo.tokenizer.Tokenizer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * jdpo writes what Hugging Face {@code transformers} reads, model and tokenizer. {@code weights/tiny} was written by
 * jdpo ({@code ./jdpo sft}); {@code scripts/reference/transformers_interop.py} loaded it with
 * {@code transformers}' own {@code GPT2LMHeadModel} and {@code GPT2Tokenizer} (no tensor
 * missing, unexpected or misshapen) and recorded the token ids and response log-probs of a few
 * of its preference pairs. jdpo must tokenize them to the same ids and score them within 1e-4.
 */
class TransformersInteropTest {
    private static final Path TINY = Path.of("weights/tiny");
    private static final Path FIXTURE = TestFiles.resource("fixtures/interop/tiny-transformers.json");

    private static JsonObject fixture;
    private static Gpt2Params params;
    private static Tokenizer tok;

    @BeforeAll
    static void load() throws IOException {
        fixture = JsonParser.parseString(Files.readString(FIXTURE, StandardCharsets.UTF_8)).getAsJsonObject();
        params = Gpt2Checkpoint.load(TINY).params;
        tok = Tokenizer.load(TINY);
    }

    @Test
    void theFixtureWasMadeFromTheShippedWeights() throws IOException, NoSuchAlgorithmException {
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(TINY.resolve("model.safetensors"))));
        assertEquals(fixture.get("model_safetensors_sha256").getAsString(), sha,
                "weights/tiny changed since the fixture was made: rerun scripts/reference/transformers_interop.py");
        assertEquals(fixture.get("eos_token_id").getAsInt(), tok.eosId());
        assertTrue(fixture.getAsJsonArray("cases").size() >= 8);
    }

    @TestFactory
    Stream<DynamicTest> sameIdsAndLogProbsAsTransformers() {
        List<DynamicTest> tests = new ArrayList<>();
        JsonArray cases = fixture.getAsJsonArray("cases");
        for (int i = 0; i < cases.size(); i++) {
            JsonObject c = cases.get(i).getAsJsonObject();
            tests.add(DynamicTest.dynamicTest("case " + i + ": " + c.get("response").getAsString(), () -> check(c)));
        }
        return tests.stream();
    }

    /**
     * 300 varied strings (words, contractions, numbers, whitespace runs, accents, CJK, Arabic,
     * emoji with joiners, control characters) as transformers' GPT2Tokenizer encodes them, with
     * weights/tiny's vocabulary (trained by jdpo's BpeTrainer) and with GPT-2's.
     */
    @Test
    void tokenizersGiveTransformersIdsOnBothVocabularies() {
        Tokenizer gpt2 = Tokenizer.load(Path.of("weights/gpt2"));
        JsonArray cases = fixture.getAsJsonArray("tokenizer_cases");
        assertEquals(300, cases.size());
        for (JsonElement e : cases) {
            JsonObject c = e.getAsJsonObject();
            String text = c.get("text").getAsString();
            int[] tiny = tok.encode(text), real = gpt2.encode(text);
            assertArrayEquals(ints(c.getAsJsonArray("tiny_ids")), tiny, "weights/tiny: " + Json.quote(text));
            assertArrayEquals(ints(c.getAsJsonArray("gpt2_ids")), real, "weights/gpt2: " + Json.quote(text));
            assertEquals(text, tok.decode(tiny));
            assertEquals(text, gpt2.decode(real));
        }
    }

    private static void check(JsonObject c) {
        String prompt = c.get("prompt").getAsString(), response = c.get("response").getAsString();
        int[] promptIds = ints(c.getAsJsonArray("prompt_ids")), responseIds = ints(c.getAsJsonArray("response_ids"));
        double[] expected = doubles(c.getAsJsonArray("logprobs"));
        for (String kernels : Kernels.NAMES) {
            ResponseLogProbs.Result r = ResponseLogProbs.compute(params, Kernels.of(kernels, Parallel.SERIAL), tok, prompt, response, true);
            assertArrayEquals(promptIds, r.promptIds, "prompt ids");
            assertArrayEquals(responseIds, r.responseIds, "response ids (with <|endoftext|>)");
            assertArrayEquals(expected, r.logprobs, 1e-4, kernels + " kernels: log-probs");
        }
    }

    private static int[] ints(JsonArray a) {
        int[] v = new int[a.size()];
        for (int i = 0; i < v.length; i++) v[i] = a.get(i).getAsInt();
        return v;
    }

    private static double[] doubles(JsonArray a) {
        double[] v = new double[a.size()];
        int i = 0;
        for (JsonElement e : a) v[i++] = e.getAsDouble();
        return v;
    }
}
