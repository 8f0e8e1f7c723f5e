package jdpo.tokenizer;

import jdpo.cli.Main;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code jdpo tokenize}: the JSON object, the table, and one error line for a bad directory. */
class TokenizeCommandTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
    private PrintStream savedOut, savedErr;

    @BeforeEach
    void capture() {
        savedOut = System.out;
        savedErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setOut(savedOut);
        System.setErr(savedErr);
    }

    @Test
    void jsonIsOneObjectWithIdsAndTokens() {
        assertEquals(0, Main.run("tokenize", "--model", "weights/gpt2", "--json", "Hello world"));
        assertEquals("{\"ids\":[15496,995],\"tokens\":[\"Hello\",\" world\"]}", out.toString(StandardCharsets.UTF_8).trim());
    }

    @Test
    void allowSpecialEncodesTheMarker() {
        assertEquals(0, Main.run("tokenize", "--model", "weights/gpt2", "--json", "--allow-special", "hello <|endoftext|>"));
        assertEquals("{\"ids\":[31373,220,50256],\"tokens\":[\"hello\",\" \",\"<|endoftext|>\"]}",
                out.toString(StandardCharsets.UTF_8).trim());
    }

    @Test
    void tableShowsInvisibleCharactersAndPartialBytes() {
        assertEquals(0, Main.run("tokenize", "--model", "weights/gpt2", "a\n\t你"));
        String table = out.toString(StandardCharsets.UTF_8);
        assertTrue(table.contains("198  \"\\n\""), table);
        assertTrue(table.contains("197  \"\\t\""), table);
        assertTrue(table.contains("\"\\xe4\\xbd\""), table);
        assertTrue(table.contains("ids: [64, 198, 197, 19526, 254]"), table);
    }

    @Test
    void aMissingModelDirectoryIsOneErrorLine() {
        assertEquals(1, Main.run("tokenize", "--model", "no/such/dir", "x"));
        String message = err.toString(StandardCharsets.UTF_8);
        assertTrue(message.startsWith("error: no/such/dir: not a directory"), message);
        assertEquals(1, message.strip().lines().count(), message);
    }
}
