package jdpo.io;

import com.google.gson.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JsonTest {
    @TempDir
    Path dir;

    private Path config(String text) throws IOException {
        Path f = dir.resolve("config.json");
        Files.writeString(f, text);
        return f;
    }

    private static void fails(Runnable r, String expected) {
        BadInputException e = assertThrows(BadInputException.class, r::run);
        assertEquals(expected, e.getMessage());
    }

    @Test
    void typedGettersReadAHuggingFaceConfig() {
        Path f = Path.of("src/test/resources/hf/fake_gpt2/config.json");
        JsonObject o = Json.readObject(f);
        assertEquals(2, Json.requireInt(o, "n_embd", f));
        assertEquals(50257, Json.requireInt(o, "vocab_size", f));
        assertEquals(1e-5, Json.requireDouble(o, "layer_norm_epsilon", f));
        assertEquals("gelu_new", Json.requireString(o, "activation_function", f));
        assertEquals(1024, Json.optionalInt(o, "n_ctx", 7, f));
        assertEquals(7, Json.optionalInt(o, "n_inner", 7, f), "null counts as absent");
        assertEquals(7, Json.optionalInt(o, "no_such_field", 7, f));
        assertEquals(0.1, Json.optionalDouble(o, "attn_pdrop", 0, f));
        assertEquals("x", Json.optionalString(o, "absent", "x", f));
        assertTrue(Json.requireBoolean(o, "use_cache", f.toString()));
        assertEquals(50, Json.requireInt(Json.requireObject(Json.requireObject(o, "task_specific_params", "c"),
                "text-generation", "c"), "max_length", "c"));
    }

    @Test
    void errorsNameTheFileTheFieldAndTheProblem() throws IOException {
        Path f = config("{\"a\": 3.5, \"b\": \"12\", \"c\": null, \"d\": 3.0, \"e\": 99999999999, \"g\": 1e400}");
        JsonObject o = Json.readObject(f);
        fails(() -> Json.requireInt(o, "a", f), f + ": field \"a\" must be an integer, got 3.5");
        fails(() -> Json.requireInt(o, "b", f), f + ": field \"b\" must be an integer, found string \"12\"");
        fails(() -> Json.requireInt(o, "c", f), f + ": field \"c\" is null");
        fails(() -> Json.requireInt(o, "zz", f), f + ": missing field \"zz\"");
        fails(() -> Json.requireInt(o, "e", f), f + ": field \"e\" = 99999999999 is out of range for an int");
        fails(() -> Json.requireString(o, "a", f), f + ": field \"a\" must be a string, found number 3.5");
        fails(() -> Json.requireDouble(o, "g", f), f + ": field \"g\" = 1E+400 is too large for a double");
        fails(() -> Json.optionalInt(o, "a", 1, f), f + ": field \"a\" must be an integer, got 3.5");
        assertEquals(3, Json.requireInt(o, "d", f), "3.0 is the integer 3");
        assertEquals(3.5, Json.requireDouble(o, "a", f));
    }

    @Test
    void malformedFilesAreOneLine() throws IOException {
        Path f = config("{\"a\": 1,}");
        BadInputException e = assertThrows(BadInputException.class, () -> Json.readObject(f));
        assertTrue(e.getMessage().startsWith(f + ": malformed JSON: "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        assertFalse(e.getMessage().contains("Troubleshooting"), e.getMessage());
        Path arr = config("[1]");
        fails(() -> Json.readObject(arr), arr + ": expected a JSON object, found an array");
        Path dup = config("{\"n_embd\": 1, \"n_embd\": 2}");
        fails(() -> Json.readObject(dup), dup + ": key \"n_embd\" appears twice in the same object");
        Path longNumber = config("{\"a\": " + "9".repeat(200) + "}");
        BadInputException n = assertThrows(BadInputException.class, () -> Json.readObject(longNumber));
        assertTrue(n.getMessage().contains("number with more than 100 characters"), n.getMessage());
        Path missing = dir.resolve("missing.json");
        fails(() -> Json.readObject(missing), missing + ": cannot read: no such file or directory");
    }
}
