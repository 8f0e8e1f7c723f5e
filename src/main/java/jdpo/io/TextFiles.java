package jdpo.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Whole text files read as strict UTF-8: a malformed byte is an error, never a silent U+FFFD. */
final class TextFiles {
    private TextFiles() {}

    static String readUtf8(Path file) {
        byte[] bytes;
        try {
            if (Files.isDirectory(file)) throw new BadInputException(file + ": is a directory, expected a file");
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw FileProblems.reading(file, e);
        }
        String text = decodeUtf8(bytes, 0, bytes.length);
        if (text == null) throw new BadInputException(file + ": not valid UTF-8 text");
        return text;
    }

    /** The UTF-8 text of {@code bytes[from, to)}, or null when those bytes are not valid UTF-8. */
    static String decodeUtf8(byte[] bytes, int from, int to) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, from, to - from))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
