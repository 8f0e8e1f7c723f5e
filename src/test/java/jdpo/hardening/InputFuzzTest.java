package jdpo.hardening;

import jdpo.TestFiles;
import jdpo.dpo.PreferenceData;
import jdpo.dpo.PreferencePair;
import jdpo.gpt2.Gpt2Config;
import jdpo.io.BadInputException;
import jdpo.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random damage to a valid preference file and to a valid {@code config.json}: every mutant
 * either loads or is refused with a {@link BadInputException} whose message is one line starting
 * with the file; no other exception, no hang. A config that loads must describe a model whose
 * parameters fit one Java array, since the loader allocates that array next.
 */
class InputFuzzTest {
    @TempDir
    Path dir;

    private static final int MUTANTS = 10_000;

    private static final String PAIRS = "{\"prompt\": \"Q: 2+2? A:\", \"chosen\": \" four\", \"rejected\": \" five, surely\"}\n"
            + "{\"prompt\": \"Caf\u00e9 \\\"quoted\\\"\\n\", \"chosen\": \" tr\u00e8s bien \\u00e9\", \"rejected\": \" \ud83d\ude00\", \"id\": 7}\n"
            + "\n"
            + "{\"prompt\": \"\", \"chosen\": \"a\", \"rejected\": \"b\", \"meta\": {\"tags\": [1, 2.5, null, true]}}\n";

    @Test
    void preferenceFileMutantsLoadOrAreRefusedWithOurOwnError() throws IOException {
        byte[] valid = PAIRS.getBytes(StandardCharsets.UTF_8);
        Path base = dir.resolve("base.jsonl");
        Files.write(base, valid);
        assertEquals(3, PreferenceData.read(base).size());
        int[] outcomes = fuzz(valid, 20250601L, ".jsonl", file -> {
            List<PreferencePair> pairs = PreferenceData.read(file);
            for (PreferencePair p : pairs) {
                assertTrue(!p.chosen.isEmpty() && !p.rejected.isEmpty() && p.prompt != null, "a loaded pair is complete");
            }
        });
        assertTrue(outcomes[0] > 500 && outcomes[1] > 3000, "loaded " + outcomes[0] + ", refused " + outcomes[1]);
    }

    @Test
    void configMutantsLoadOrAreRefusedWithOurOwnError() throws IOException {
        byte[] valid = Files.readAllBytes(TestFiles.resource("fixtures/dpo/policy/config.json"));
        int[] outcomes = fuzz(valid, 20250602L, ".json", file -> {
            Gpt2Config c = Gpt2Config.read(file);
            assertTrue(c.nLayer > 0 && c.nHead > 0 && c.nEmbd % c.nHead == 0 && c.nPositions > 0 && c.vocabSize > 0 && c.nInner > 0,
                    "a loaded config has positive sizes: " + c);
            assertTrue(c.parameterCount() > 0 && c.parameterCount() < Integer.MAX_VALUE, "a loaded config fits one array: " + c);
        });
        assertTrue(outcomes[0] > 500 && outcomes[1] > 3000, "loaded " + outcomes[0] + ", refused " + outcomes[1]);
    }

    /** Sizes whose products overflow a long must be refused by the config, not by a failed allocation. */
    @ParameterizedTest(name = "n_layer {0}, n_embd {1}, n_inner {2}, n_positions {3}, vocab {4}")
    @CsvSource({
        "2147483647, 30000,      null, 64,         257,        the model has over 2^63 parameters",
        "1,          1,          null, 1,          2147483647, the model has 2147483675 parameters",
        // these sizes wrap around 2^64 to about 1.07e9 parameters: a 4 GB allocation if not caught
        "1,          1999999999, 1,    1,          1223372032, the model has over 2^63 parameters",
        "4,          1500000001, 4,    1,          595658686,  the model has over 2^63 parameters",
        // 4 n_embd wraps around 2^32 to 4
        "1,          1073741825, null, 1,          1,          n_inner (4 n_embd when absent) must be in [1, 2^31), got 4294967300",
        "1,          2147483647, null, 64,         257,        n_inner (4 n_embd when absent) must be in [1, 2^31), got 8589934588",
    })
    void oversizedModelsAreRefusedByTheConfig(long nLayer, long nEmbd, String nInner, long nPositions, long vocab, String expected)
            throws IOException {
        Path file = dir.resolve("config.json");
        Files.writeString(file, "{\"n_layer\": " + nLayer + ", \"n_head\": 1, \"n_embd\": " + nEmbd + ", \"n_inner\": " + nInner
                + ", \"n_positions\": " + nPositions + ", \"vocab_size\": " + vocab + "}");
        BadInputException e = assertThrows(BadInputException.class, () -> Gpt2Config.read(file));
        assertTrue(e.getMessage().startsWith(file + ": " + expected), e.getMessage());
    }

    /** Runs {@code load} on {@link #MUTANTS} mutants of {@code valid}; returns {loaded, refused}. */
    private int[] fuzz(byte[] valid, long seed, String suffix, IoCheck load) throws IOException {
        Rng rng = new Rng(seed);
        int loaded = 0, refused = 0;
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < MUTANTS; i++) {
            int kind = rng.nextInt(10);
            byte[] mutant = mutate(kind, valid, rng);
            // A fresh file each time: rewriting one file in place makes ext4 flush it to disk.
            Path file = dir.resolve("mutant-" + i + suffix);
            Files.write(file, mutant);
            try {
                load.accept(file);
                loaded++;
            } catch (BadInputException e) {
                refused++;
                if (e.getMessage().contains("\n") || e.getMessage().contains("\r") || !e.getMessage().startsWith(file.toString())) {
                    failures.add("mutant " + i + " (kind " + kind + "): badly formed message: " + e.getMessage());
                }
            } catch (Throwable t) {
                failures.add("mutant " + i + " (kind " + kind + "): " + t + " for " + new String(mutant, StandardCharsets.UTF_8));
            }
            Files.delete(file);
        }
        assertTrue(failures.isEmpty(), failures.size() + " failures (seed " + seed + "), first: "
                + failures.subList(0, Math.min(5, failures.size())));
        return new int[] {loaded, refused};
    }

    interface IoCheck {
        void accept(Path file) throws IOException;
    }

    private static final String[] NUMBERS = {"0", "1", "2", "3", "24", "64", "256", "257", "-1", "1.5", "1e3", "1e-400", "1e400",
        "2147483647", "2147483648", "-2147483649", "9223372036854775808", "4294967296", "0.0", "-0", "1E2", "3.0",
        "1" + "0".repeat(120)};
    private static final String[] TOKENS = {"{", "}", "[", "]", "\"", ",", ":", "\\", " ", "\n", "\r", "\t", "null", "true",
        "false", "\u00e9", "\u0000", "\\u0000", "\\ud800", "\\uZZZZ", "\"\"", "[]", "{}", "NaN", "Infinity", "//", "\uFEFF",
        "\"prompt\"", "\"chosen\"", "\"rejected\"", "\"n_embd\"", "\"n_head\"", "\"vocab_size\"", "[".repeat(300), "]".repeat(300),
        "\"" + "x".repeat(5000) + "\""};

    private static byte[] mutate(int kind, byte[] valid, Rng rng) {
        byte[] b = valid.clone();
        switch (kind) {
            case 0: { // bit flips anywhere, which also makes invalid UTF-8
                for (int k = rng.nextInt(1, 6); k > 0; k--) b[rng.nextInt(b.length)] ^= (byte) (1 << rng.nextInt(8));
                return b;
            }
            case 1: // truncation, possibly inside a multi-byte character
                return Arrays.copyOf(b, rng.nextInt(b.length));
            case 2: { // random bytes inserted
                byte[] extra = new byte[rng.nextInt(1, 8)];
                for (int k = 0; k < extra.length; k++) extra[k] = (byte) rng.nextInt(256);
                return splice(b, rng.nextInt(b.length + 1), 0, extra);
            }
            case 3: { // a range deleted
                int p = rng.nextInt(b.length);
                return splice(b, p, Math.min(b.length - p, rng.nextInt(1, 20)), new byte[0]);
            }
            case 4: { // a range copied elsewhere
                int p = rng.nextInt(b.length), n = Math.min(b.length - p, rng.nextInt(1, 40));
                return splice(b, rng.nextInt(b.length + 1), 0, Arrays.copyOfRange(b, p, p + n));
            }
            case 5: // a number replaced
                return replaceNumber(b, rng);
            case 6: // a few characters replaced by JSON syntax or text
            case 7: {
                String t = TOKENS[rng.nextInt(TOKENS.length)];
                int p = rng.nextInt(b.length + 1);
                return splice(b, p, Math.min(b.length - p, rng.nextInt(0, 3)), t.getBytes(StandardCharsets.UTF_8));
            }
            case 8: { // a string value replaced by another JSON value
                String s = new String(b, StandardCharsets.UTF_8);
                int colon = s.indexOf(": \"", rng.nextInt(s.length()));
                if (colon < 0) return b;
                int end = s.indexOf('"', colon + 3);
                while (end > 0 && s.charAt(end - 1) == '\\') end = s.indexOf('"', end + 1);
                if (end < 0) return b;
                String[] values = {"\"\"", "null", "[]", "{}", "1", "true", "\"\\ud800\"", "[\"a\"]", "{\"role\": \"user\"}"};
                return (s.substring(0, colon + 2) + values[rng.nextInt(values.length)] + s.substring(end + 1)).getBytes(StandardCharsets.UTF_8);
            }
            default: { // lines reordered, doubled or dropped
                List<String> lines = new ArrayList<>(Arrays.asList(new String(b, StandardCharsets.UTF_8).split("\n", -1)));
                int i = rng.nextInt(lines.size()), j = rng.nextInt(lines.size());
                switch (rng.nextInt(3)) {
                    case 0 -> java.util.Collections.swap(lines, i, j);
                    case 1 -> lines.add(j, lines.get(i));
                    default -> lines.remove(i);
                }
                return String.join("\n", lines).getBytes(StandardCharsets.UTF_8);
            }
        }
    }

    private static byte[] replaceNumber(byte[] b, Rng rng) {
        String s = new String(b, StandardCharsets.UTF_8);
        List<int[]> spans = new ArrayList<>();
        for (int i = 0; i < s.length(); i++) {
            if (!Character.isDigit(s.charAt(i))) continue;
            int j = i;
            while (j < s.length() && (Character.isDigit(s.charAt(j)) || "eE.-".indexOf(s.charAt(j)) >= 0)) j++;
            spans.add(new int[] {i, j});
            i = j;
        }
        if (spans.isEmpty()) return b;
        int[] span = spans.get(rng.nextInt(spans.size()));
        return (s.substring(0, span[0]) + NUMBERS[rng.nextInt(NUMBERS.length)] + s.substring(span[1])).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] splice(byte[] b, int at, int remove, byte[] insert) {
        byte[] out = new byte[b.length - remove + insert.length];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(insert, 0, out, at, insert.length);
        System.arraycopy(b, at + remove, out, at + insert.length, b.length - at - remove);
        return out;
    }
}
