package jdpo.tokenizer;

/**
 * Text to UTF-8 and back, the way the tokenizer needs it. Decoding works as Python's
 * {@code bytes.decode("utf-8", errors="replace")}, which is what Hugging Face's GPT-2 tokenizer
 * returns: each maximal ill-formed subpart (Unicode's recommended practice, chapter 3) becomes
 * one U+FFFD. Java's own decoder differs on some inputs (it turns the encoded surrogate
 * {@code ED A0 80} into one U+FFFD where Python gives three).
 */
final class Utf8 {

    private Utf8() {
    }

    /** Unpaired surrogates have no UTF-8 form; they become U+FFFD (Java's encoder would write '?'). */
    static String withoutLoneSurrogates(String text) {
        char[] chars = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!Character.isSurrogate(c)) continue;
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
                continue;
            }
            if (chars == null) chars = text.toCharArray();
            chars[i] = '\uFFFD';
        }
        return chars == null ? text : new String(chars);
    }

    /** The text of UTF-8 {@code bytes}; ill-formed parts become U+FFFD as in Python. */
    static String decode(byte[] bytes) {
        StringBuilder out = new StringBuilder(bytes.length);
        int i = 0, n = bytes.length;
        while (i < n) {
            int b = bytes[i] & 0xFF;
            if (b < 0x80) {
                out.append((char) b);
                i++;
                continue;
            }
            int length, cp, lo = 0x80, hi = 0xBF; // lo..hi: the range allowed for the second byte
            if (b >= 0xC2 && b <= 0xDF) {
                length = 2;
                cp = b & 0x1F;
            } else if (b >= 0xE0 && b <= 0xEF) {
                length = 3;
                cp = b & 0x0F;
                if (b == 0xE0) lo = 0xA0; // no overlong forms
                if (b == 0xED) hi = 0x9F; // no surrogates
            } else if (b >= 0xF0 && b <= 0xF4) {
                length = 4;
                cp = b & 0x07;
                if (b == 0xF0) lo = 0x90; // no overlong forms
                if (b == 0xF4) hi = 0x8F; // nothing above U+10FFFF
            } else {
                out.append('\uFFFD'); // a continuation byte or a byte that never starts a character
                i++;
                continue;
            }
            int k = 1;
            for (; k < length && i + k < n; k++) {
                int c = bytes[i + k] & 0xFF;
                if (c < (k == 1 ? lo : 0x80) || c > (k == 1 ? hi : 0xBF)) break;
                cp = (cp << 6) | (c & 0x3F);
            }
            if (k == length) out.appendCodePoint(cp);
            else out.append('\uFFFD'); // the lead byte and the continuation bytes that fit
            i += k;
        }
        return out.toString();
    }
}
