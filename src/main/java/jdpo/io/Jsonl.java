package jdpo.io;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * JSON Lines: one JSON object per line, UTF-8. Used for preference data and for metrics.
 *
 * <p>Reading is strict and names the place of every problem as {@code FILE:LINE}: a line that is
 * not valid UTF-8, not JSON, or not an object is an error; blank lines are skipped; a UTF-8 byte
 * order mark before the first line and a {@code \r} before each newline are tolerated.
 */
public final class Jsonl {
    private Jsonl() {}

    /** One object of a JSON Lines file and where it was: {@code number} counts from 1. */
    public record Line(Path file, int number, JsonObject object) {
        /** {@code FILE:LINE}, the prefix of every message about this line. */
        public String where() {
            return file + ":" + number;
        }
    }

    /** Every object of {@code file} with its line number, in file order. */
    public static List<Line> readLines(Path file) {
        List<Line> lines = new ArrayList<>();
        forEach(file, lines::add);
        return lines;
    }

    /** Every object of {@code file}, in file order. */
    public static List<JsonObject> readObjects(Path file) {
        List<JsonObject> objects = new ArrayList<>();
        forEach(file, line -> objects.add(line.object()));
        return objects;
    }

    /** Streams the objects of {@code file} to {@code action}, one line in memory at a time. */
    public static void forEach(Path file, Consumer<Line> action) {
        if (Files.isDirectory(file)) throw new BadInputException(file + ": is a directory, expected a .jsonl file");
        try (InputStream in = Files.newInputStream(file)) {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            byte[] buffer = new byte[1 << 16];
            int number = 0;
            int n;
            while ((n = in.read(buffer)) != -1) {
                int start = 0;
                for (int i = 0; i < n; i++) {
                    if (buffer[i] != '\n') continue;
                    line.write(buffer, start, i - start);
                    parseLine(file, ++number, line.toByteArray(), action);
                    line.reset();
                    start = i + 1;
                }
                line.write(buffer, start, n - start);
            }
            if (line.size() > 0) parseLine(file, ++number, line.toByteArray(), action);
        } catch (IOException e) {
            throw FileProblems.reading(file, e);
        }
    }

    private static void parseLine(Path file, int number, byte[] raw, Consumer<Line> action) {
        String where = file + ":" + number;
        int from = 0;
        int to = raw.length;
        if (number == 1 && to >= 3 && (raw[0] & 0xff) == 0xEF && (raw[1] & 0xff) == 0xBB && (raw[2] & 0xff) == 0xBF) {
            from = 3;
        }
        if (to > from && raw[to - 1] == '\r') to--;
        String text = TextFiles.decodeUtf8(raw, from, to);
        if (text == null) throw new BadInputException(where + ": not valid UTF-8");
        if (text.isBlank()) return;
        JsonElement e = Json.parse(text, where);
        if (!e.isJsonObject()) {
            throw new BadInputException(where + ": expected a JSON object, found " + Json.describe(e));
        }
        action.accept(new Line(file, number, e.getAsJsonObject()));
    }

    /**
     * Appends one object per line and flushes after each, so a crash loses at most the line being
     * written. Non-finite numbers are written as {@code NaN}/{@code Infinity}, as Python's json
     * module does, because a metrics log must record the step where a loss went bad.
     */
    public static final class Writer implements Closeable {
        private static final Gson GSON = new GsonBuilder().serializeSpecialFloatingPointValues()
                .disableHtmlEscaping().create();

        private final Path file;
        private final OutputStream out;

        private Writer(Path file, OutputStream out) {
            this.file = file;
            this.out = out;
        }

        /** Opens {@code file}, creating it; {@code append} keeps what is there, otherwise it is emptied. */
        public static Writer open(Path file, boolean append) {
            try {
                OutputStream out = append
                        ? Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND)
                        : Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                        StandardOpenOption.WRITE);
                return new Writer(file, out);
            } catch (IOException e) {
                throw FileProblems.writing(file, e);
            }
        }

        /** Writes {@code object} as one line and flushes it. */
        public void write(JsonObject object) {
            byte[] line = (GSON.toJson(object) + "\n").getBytes(StandardCharsets.UTF_8);
            try {
                out.write(line);
                out.flush();
            } catch (IOException e) {
                throw FileProblems.writing(file, e);
            }
        }

        @Override
        public void close() {
            try {
                out.close();
            } catch (IOException e) {
                throw FileProblems.writing(file, e);
            }
        }
    }
}
