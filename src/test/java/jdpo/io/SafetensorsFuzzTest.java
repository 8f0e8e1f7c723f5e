package jdpo.io;

import jdpo.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static jdpo.io.RawSafetensors.concat;
import static jdpo.io.RawSafetensors.f32;
import static jdpo.io.RawSafetensors.u16;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random damage to a valid file: every mutant either loads or is refused with a
 * {@link BadInputException}; no other exception, no allocation sized by a corrupt number.
 */
class SafetensorsFuzzTest {
    @TempDir
    Path dir;

    private static final int MUTANTS = 10_000;
    private static final long SEED = 20240601L;

    private static final String HEADER = "{\"__metadata__\":{\"format\":\"pt\"},"
            + "\"h.0.attn.c_attn.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
            + "\"h.0.ln_1.bias\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[24,30]},"
            + "\"wte.weight\":{\"dtype\":\"BF16\",\"shape\":[1,5],\"data_offsets\":[30,40]},"
            + "\"scale\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[40,44]},"
            + "\"empty\":{\"dtype\":\"F32\",\"shape\":[0,3],\"data_offsets\":[44,44]}}    ";
    private static final byte[] DATA = concat(f32(1, -2, 3.5f, 0, 1e-3f, -7), u16(0x3C00, 0x8001, 0x7C00),
            u16(0x3F80, 0x4049, 0xC000, 0x0001, 0x7FC0), f32(0.25f));

    @Test
    void everyMutantLoadsOrIsRefusedWithOurOwnError() throws IOException {
        byte[] header = HEADER.getBytes(StandardCharsets.UTF_8);
        byte[] valid = RawSafetensors.of(header, DATA);
        Path file = dir.resolve("fuzz.safetensors");
        Files.write(file, valid);
        Safetensors.read(file); // the base file itself is valid

        Rng rng = new Rng(SEED);
        int loaded = 0, refused = 0;
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < MUTANTS; i++) {
            int kind = rng.nextInt(10);
            byte[] mutant = mutate(kind, valid, header, rng);
            // A fresh file each time: rewriting one file in place makes ext4 flush it to disk.
            file = dir.resolve("mutant-" + i + ".safetensors");
            Files.write(file, mutant);
            try {
                Safetensors.read(file);
                loaded++;
            } catch (BadInputException e) {
                refused++;
                if (e.getMessage().contains("\n") || !e.getMessage().startsWith(file.toString())) {
                    failures.add("mutant " + i + " (kind " + kind + "): badly formed message: " + e.getMessage());
                }
            } catch (Throwable t) {
                failures.add("mutant " + i + " (kind " + kind + "): " + t);
            }
            Files.delete(file);
        }
        assertTrue(failures.isEmpty(), failures.size() + " failures (seed " + SEED + "), first: "
                + failures.subList(0, Math.min(5, failures.size())));
        // The mutations must reach both outcomes, or the test proves little.
        assertTrue(loaded > 300 && refused > 5000, "loaded " + loaded + ", refused " + refused);
    }

    private static byte[] mutate(int kind, byte[] valid, byte[] header, Rng rng) {
        byte[] b = valid.clone();
        switch (kind) {
            case 0: { // a few bit flips anywhere
                for (int k = rng.nextInt(1, 8); k > 0; k--) {
                    int p = rng.nextInt(b.length);
                    b[p] ^= (byte) (1 << rng.nextInt(8));
                }
                return b;
            }
            case 1: // truncation
                return Arrays.copyOf(b, rng.nextInt(b.length));
            case 2: { // insert random bytes
                int p = rng.nextInt(b.length + 1);
                byte[] extra = new byte[rng.nextInt(1, 16)];
                for (int k = 0; k < extra.length; k++) extra[k] = (byte) rng.nextInt(256);
                return concat(Arrays.copyOfRange(b, 0, p), extra, Arrays.copyOfRange(b, p, b.length));
            }
            case 3: { // delete a range
                int p = rng.nextInt(b.length);
                int q = Math.min(b.length, p + rng.nextInt(1, 12));
                return concat(Arrays.copyOfRange(b, 0, p), Arrays.copyOfRange(b, q, b.length));
            }
            case 4: { // header length field set to something suspicious
                long[] choices = {1L << 62, 1L << 63, -1L, 0, b.length, b.length - 8, 100_000_000L, 100_000_001L,
                        header.length + rng.nextInt(-16, 16), rng.nextLong()};
                ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, choices[rng.nextInt(choices.length)]);
                return b;
            }
            case 5: // a number in the header replaced, length field kept consistent
                return editHeader(header, rng, true);
            case 6: // a header character replaced by JSON syntax or other text, length kept consistent
                return editHeader(header, rng, false);
            case 7: { // bytes appended
                byte[] extra = new byte[rng.nextInt(1, 9)];
                return concat(b, extra);
            }
            case 8: { // data bytes scrambled (must still load: any bits are valid floats)
                for (int k = 0; k < 6; k++) b[8 + header.length + rng.nextInt(DATA.length)] = (byte) rng.nextInt(256);
                return b;
            }
            default: { // bit flips confined to the header text
                for (int k = rng.nextInt(1, 4); k > 0; k--) {
                    int p = 8 + rng.nextInt(header.length);
                    b[p] ^= (byte) (1 << rng.nextInt(8));
                }
                return b;
            }
        }
    }

    private static byte[] editHeader(byte[] header, Rng rng, boolean number) {
        String h = new String(header, StandardCharsets.UTF_8);
        String[] numbers = {"0", "1", "2", "3", "4", "24", "30", "40", "44", "45", "-1", "1.5", "1e3", "4294967296",
                "18446744073709551615", "99999999999999999999", "9223372036854775807", "9223372036854775808", ""};
        String[] tokens = {"{", "}", "[", "]", "\"", ",", ":", "\\", " ", "null", "true", "\u00e9", "\u0000",
                "\"__metadata__\"", "\"F64\"", "\"I64\"", "\"F16\"", "[]", "{}"};
        int p;
        if (number) {
            do {
                p = rng.nextInt(h.length());
            } while (!Character.isDigit(h.charAt(p)));
            int end = p;
            while (end < h.length() && Character.isDigit(h.charAt(end))) end++;
            while (p > 0 && Character.isDigit(h.charAt(p - 1))) p--;
            h = h.substring(0, p) + numbers[rng.nextInt(numbers.length)] + h.substring(end);
        } else {
            p = rng.nextInt(h.length());
            int len = rng.nextInt(0, 3);
            h = h.substring(0, p) + tokens[rng.nextInt(tokens.length)] + h.substring(Math.min(h.length(), p + len));
        }
        return RawSafetensors.of(h, DATA);
    }
}
