package jdpo.io;

import com.google.gson.JsonObject;
import jdpo.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JsonlTest {
    @TempDir
    Path dir;

    private Path file(String text) throws IOException {
        Path f = dir.resolve("data.jsonl");
        Files.writeString(f, text);
        return f;
    }

    private void rejects(byte[] bytes, String expected) throws IOException {
        Path f = dir.resolve("bad.jsonl");
        Files.write(f, bytes);
        BadInputException e = assertThrows(BadInputException.class, () -> Jsonl.readLines(f));
        assertTrue(e.getMessage().startsWith(f + expected), "expected '" + f + expected + "...' but got: " + e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    private void rejects(String text, String expected) throws IOException {
        rejects(text.getBytes(StandardCharsets.UTF_8), expected);
    }

    @Test
    void readsObjectsWithTheirLineNumbersSkippingBlankLines() throws IOException {
        Path f = file("\uFEFF{\"prompt\":\"a\",\"n\":1}\r\n\n   \n{\"prompt\":\"b\\nc\",\"x\":[1,{}]}\n{\"prompt\":\"é\"}");
        List<Jsonl.Line> lines = Jsonl.readLines(f);
        assertEquals(3, lines.size());
        assertEquals(List.of(1, 4, 5), lines.stream().map(Jsonl.Line::number).toList());
        assertEquals("a", lines.get(0).object().get("prompt").getAsString());
        assertEquals("b\nc", lines.get(1).object().get("prompt").getAsString());
        assertEquals("é", lines.get(2).object().get("prompt").getAsString());
        assertEquals(f + ":4", lines.get(1).where());
        assertEquals(3, Jsonl.readObjects(f).size());
    }

    @Test
    void linesLongerThanTheReadBufferArriveWhole() throws IOException {
        String longText = "x".repeat(200_000) + "é";
        Path f = file("{\"n\":1}\n{\"text\":\"" + longText + "\"}\n{\"n\":3}");
        List<Jsonl.Line> lines = Jsonl.readLines(f);
        assertEquals(List.of(1, 2, 3), lines.stream().map(Jsonl.Line::number).toList());
        assertEquals(longText, lines.get(1).object().get("text").getAsString());
    }

    @Test
    void emptyFileHasNoObjects() throws IOException {
        assertEquals(List.of(), Jsonl.readObjects(file("")));
        assertEquals(List.of(), Jsonl.readObjects(file("\n\n")));
    }

    @Test
    void errorsNameTheFileAndLine() throws IOException {
        rejects("{\"a\":1}\n{\"a\":\n", ":2: malformed JSON");
        rejects("{\"a\":1}\n\n[1,2]\n", ":3: expected a JSON object, found an array");
        rejects("\"text\"\n", ":1: expected a JSON object, found string \"text\"");
        rejects("{\"a\":1} {\"b\":2}\n", ":1: unexpected text after the JSON value");
        rejects("{\"a\":1,\"a\":2}\n", ":1: key \"a\" appears twice");
        rejects("{\"a\":NaN}\n", ":1: malformed JSON");
        rejects("{'a':1}\n", ":1: malformed JSON");
        byte[] bad = "{\"a\":\"x\"}\n{\"a\":\"\u00e9\"}\n".getBytes(StandardCharsets.UTF_8);
        bad[bad.length - 4] = (byte) 0xC3; // a lead byte followed by '"': malformed
        bad[bad.length - 3] = (byte) '"';
        rejects(bad, ":2: not valid UTF-8");
    }

    @Test
    void missingFileIsOneLine() {
        Path f = dir.resolve("none.jsonl");
        BadInputException e = assertThrows(BadInputException.class, () -> Jsonl.readObjects(f));
        assertEquals(f + ": cannot read: no such file or directory", e.getMessage());
    }

    @Test
    void writerAppendsOneFlushedLinePerObjectThatReadsBack() throws IOException {
        Path f = dir.resolve("metrics.jsonl");
        try (Jsonl.Writer w = Jsonl.Writer.open(f, false)) {
            JsonObject o = new JsonObject();
            o.addProperty("step", 1);
            o.addProperty("loss", 0.6931471805599453);
            o.addProperty("note", "a\nb <&>");
            w.write(o);
            assertEquals(1, Files.readAllLines(f).size(), "flushed before close");
        }
        try (Jsonl.Writer w = Jsonl.Writer.open(f, true)) {
            JsonObject o = new JsonObject();
            o.addProperty("step", 2);
            o.addProperty("loss", Double.NaN);
            w.write(o);
        }
        List<String> raw = Files.readAllLines(f);
        assertEquals("{\"step\":1,\"loss\":0.6931471805599453,\"note\":\"a\\nb <&>\"}", raw.get(0));
        assertEquals("{\"step\":2,\"loss\":NaN}", raw.get(1));
        try (Jsonl.Writer w = Jsonl.Writer.open(f, false)) {
            w.write(new JsonObject());
        }
        assertEquals(List.of(new JsonObject()), Jsonl.readObjects(f), "open without append empties the file");
    }

    /** Random damage to a valid preference file: it reads, or fails with our own one-line error. */
    @Test
    void tenThousandMutantsLoadOrAreRefusedWithOurOwnError() throws IOException {
        byte[] valid = ("{\"prompt\": \"Review: \\\"great\\\"\", \"chosen\": \"yes é\", \"rejected\": \"no\"}\n"
                + "{\"prompt\": \"2+2=\", \"chosen\": \"4\", \"rejected\": \"5\", \"score\": [1.5, -2e3, null, true]}\n\n"
                + "{\"prompt\": \"\\u00e9t\\u00e9\", \"chosen\": \"ok\", \"rejected\": \"\"}\n").getBytes(StandardCharsets.UTF_8);
        String[] tokens = {"{", "}", "[", "]", "\"", ",", ":", "\\", "\n", "\r", " ", "1e999", "-", "nul", "\u00e9"};
        Rng rng = new Rng(77);
        int loaded = 0, refused = 0;
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            byte[] m = valid.clone();
            int kind = rng.nextInt(4);
            if (kind == 0) {
                for (int k = rng.nextInt(1, 4); k > 0; k--) m[rng.nextInt(m.length)] ^= (byte) (1 << rng.nextInt(8));
            } else if (kind == 1) {
                m = Arrays.copyOf(m, rng.nextInt(m.length));
            } else {
                int p = rng.nextInt(m.length);
                byte[] t = tokens[rng.nextInt(tokens.length)].getBytes(StandardCharsets.UTF_8);
                int cut = kind == 2 ? 0 : Math.min(m.length - p, rng.nextInt(1, 3));
                m = RawSafetensors.concat(Arrays.copyOf(m, p), t, Arrays.copyOfRange(m, p + cut, m.length));
            }
            // A fresh file each time: rewriting one file in place makes ext4 flush it to disk.
            Path f = dir.resolve("mutant-" + i + ".jsonl");
            Files.write(f, m);
            try {
                Jsonl.readLines(f);
                loaded++;
            } catch (BadInputException e) {
                refused++;
                if (!e.getMessage().matches("\\Q" + f + "\\E:\\d+: [^\\n]*")) failures.add(i + ": message " + e.getMessage());
            } catch (Throwable t) {
                failures.add(i + ": " + t);
            }
            Files.delete(f);
        }
        assertTrue(failures.isEmpty(), failures.size() + " failures, first: " + failures.subList(0, Math.min(5, failures.size())));
        assertTrue(loaded > 1000 && refused > 3000, "loaded " + loaded + ", refused " + refused);
    }
}
