package jdpo.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * GPT-2's byte-to-character map ({@code bytes_to_unicode}): each of the 256 byte values gets one
 * printable character, so a vocabulary of byte sequences can be stored as ordinary strings in
 * {@code vocab.json} and {@code merges.txt}. The 188 printable bytes ({@code !}..{@code ~},
 * {@code ¡}..{@code ¬}, {@code ®}..{@code ÿ}) stand for themselves; the other 68 (control bytes,
 * space, DEL, NBSP, soft hyphen) map, in byte order, to U+0100, U+0101, ... (so space is
 * {@code Ġ}, U+0120, and newline is {@code Ċ}, U+010A).
 *
 * <p>The map's order is also GPT-2's id order of the byte tokens: id {@code i} in
 * 0..255 is the byte {@link #byteAt(int) byteAt(i)} (the printable bytes first, ascending, then
 * the others).
 */
final class ByteAlphabet {

    /** The character for byte b (0..255). */
    private static final char[] CHAR_OF_BYTE = new char[256];
    /** The byte for a character below 324, or -1 when the character stands for no byte. */
    private static final int[] BYTE_OF_CHAR = new int[256 + 68];
    /** The bytes in GPT-2's id order. */
    private static final int[] BYTE_AT = new int[256];

    static {
        Arrays.fill(BYTE_OF_CHAR, -1);
        int id = 0;
        for (int b = 0; b < 256; b++) {
            if (isPrintable(b)) {
                CHAR_OF_BYTE[b] = (char) b;
                BYTE_AT[id++] = b;
            }
        }
        int shifted = 0;
        for (int b = 0; b < 256; b++) {
            if (!isPrintable(b)) {
                CHAR_OF_BYTE[b] = (char) (256 + shifted++);
                BYTE_AT[id++] = b;
            }
        }
        for (int b = 0; b < 256; b++) BYTE_OF_CHAR[CHAR_OF_BYTE[b]] = b;
    }

    private ByteAlphabet() {
    }

    private static boolean isPrintable(int b) {
        return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    }

    /** The character that stands for byte {@code b} (0..255). */
    static char charOf(int b) {
        return CHAR_OF_BYTE[b & 0xFF];
    }

    /** The byte that character {@code c} stands for, or -1 if it stands for none. */
    static int byteOf(char c) {
        return c < BYTE_OF_CHAR.length ? BYTE_OF_CHAR[c] : -1;
    }

    /** The byte whose GPT-2 token id is {@code id} (0..255). */
    static int byteAt(int id) {
        return BYTE_AT[id];
    }

    /** The alphabet string of a byte sequence, as vocab.json spells it. */
    static String toText(byte[] bytes) {
        char[] out = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) out[i] = charOf(bytes[i]);
        return new String(out);
    }

    /**
     * The bytes a vocabulary string stands for. A string with a character outside the alphabet
     * (an added token written as plain text) stands for its own UTF-8 bytes, as Hugging Face
     * treats added tokens.
     */
    static byte[] toBytes(String token) {
        byte[] out = new byte[token.length()];
        for (int i = 0; i < token.length(); i++) {
            int b = byteOf(token.charAt(i));
            if (b < 0) return token.getBytes(StandardCharsets.UTF_8);
            out[i] = (byte) b;
        }
        return out;
    }
}
