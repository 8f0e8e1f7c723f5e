package jdpo.tokenizer;

import com.google.gson.JsonParseException;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.JsonWriter;
import jdpo.io.BadInputException;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The two classic Hugging Face tokenizer files of a GPT-2 model directory (transformers 5.x
 * saves {@link TokenizerJson tokenizer.json} instead): {@code vocab.json}, a JSON
 * object from token string to id (ids 0..N-1, each once), and {@code merges.txt}, a
 * {@code #version: 0.2} line and then one merge per line, {@code "left right"}, in rank order.
 * Both spell tokens in {@link ByteAlphabet} characters.
 */
final class TokenizerFiles {

    static final String VOCAB = "vocab.json";
    static final String MERGES = "merges.txt";
    private static final String VERSION_LINE = "#version: 0.2";

    private TokenizerFiles() {
    }

    /** Reads vocab.json: the token string of every id. */
    static String[] readVocab(Path file) {
        Map<String, Integer> ids = new HashMap<>();
        try (JsonReader json = new JsonReader(Files.newBufferedReader(file, StandardCharsets.UTF_8))) {
            json.beginObject();
            while (json.hasNext()) {
                String token = json.nextName();
                if (json.peek() != JsonToken.NUMBER) {
                    throw bad(file, "the id of token " + quote(token) + " is not a number");
                }
                double id = json.nextDouble();
                if (id != Math.rint(id) || id < 0 || id >= Integer.MAX_VALUE) {
                    throw bad(file, "the id of token " + quote(token) + " is not a non-negative integer: " + id);
                }
                if (ids.put(token, (int) id) != null) throw bad(file, "token " + quote(token) + " appears twice");
            }
            json.endObject();
            if (json.peek() != JsonToken.END_DOCUMENT) throw bad(file, "text after the JSON object");
        } catch (NoSuchFileException e) {
            throw missing(file);
        } catch (CharacterCodingException e) {
            throw bad(file, "not UTF-8 text");
        } catch (IOException | JsonParseException | IllegalStateException e) {
            throw bad(file, "not a JSON object of token ids (" + oneLine(e) + ")");
        }
        return tokensById(ids, file);
    }

    /** The token of every id, from token -> id; the ids must be 0..N-1, each once. */
    static String[] tokensById(Map<String, Integer> ids, Path file) {
        if (ids.isEmpty()) throw bad(file, "no tokens");
        String[] tokens = new String[ids.size()];
        for (Map.Entry<String, Integer> e : ids.entrySet()) {
            int id = e.getValue();
            if (id >= tokens.length) {
                throw bad(file, "ids must be 0.." + (tokens.length - 1) + " but token "
                        + quote(e.getKey()) + " has id " + id);
            }
            if (tokens[id] != null) {
                throw bad(file, "id " + id + " is given to both " + quote(tokens[id]) + " and " + quote(e.getKey()));
            }
            tokens[id] = e.getKey();
        }
        return tokens;
    }

    /**
     * Reads merges.txt against the vocabulary: both sides of every merge and their concatenation
     * must be tokens of vocab.json, as Hugging Face's loader requires.
     *
     * @return {left ids, right ids, merged ids}, indexed by rank
     */
    static int[][] readMerges(Path file, Map<String, Integer> ids) {
        List<int[]> rules = new ArrayList<>();
        Map<Long, Integer> lineOfPair = new HashMap<>();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int lineNo = 0;
            while ((line = in.readLine()) != null) {
                lineNo++;
                if (line.endsWith("\r")) line = line.substring(0, line.length() - 1);
                if (line.isEmpty() || line.startsWith("#version")) continue;
                int space = line.indexOf(' ');
                if (space <= 0 || space == line.length() - 1 || line.indexOf(' ', space + 1) >= 0) {
                    throw bad(file, lineNo, "expected two tokens separated by one space, got " + quote(line));
                }
                String a = line.substring(0, space), b = line.substring(space + 1);
                int[] rule = {idOf(ids, a, file, lineNo), idOf(ids, b, file, lineNo), idOf(ids, a + b, file, lineNo)};
                Integer earlier = lineOfPair.put(((long) rule[0] << 32) | rule[1], lineNo);
                if (earlier != null) throw bad(file, lineNo, "merge " + quote(line) + " repeats line " + earlier);
                rules.add(rule);
            }
        } catch (NoSuchFileException e) {
            throw missing(file);
        } catch (CharacterCodingException e) {
            throw bad(file, "not UTF-8 text");
        } catch (IOException e) {
            throw bad(file, "cannot be read (" + oneLine(e) + ")");
        }
        int[][] out = new int[3][rules.size()];
        for (int r = 0; r < rules.size(); r++) {
            for (int k = 0; k < 3; k++) out[k][r] = rules.get(r)[k];
        }
        return out;
    }

    private static int idOf(Map<String, Integer> ids, String token, Path file, int lineNo) {
        Integer id = ids.get(token);
        if (id == null) throw bad(file, lineNo, "token " + quote(token) + " is not in " + VOCAB);
        return id;
    }

    /** Writes vocab.json (ordered by id) and merges.txt, each to a temporary name then renamed. */
    static void write(Path dir, String[] tokens, Merges merges) throws IOException {
        Files.createDirectories(dir);
        Path vocabTmp = dir.resolve(VOCAB + ".tmp"), mergesTmp = dir.resolve(MERGES + ".tmp");
        try (JsonWriter json = new JsonWriter(Files.newBufferedWriter(vocabTmp, StandardCharsets.UTF_8))) {
            json.setHtmlSafe(false);
            json.setIndent("  ");
            json.beginObject();
            for (int id = 0; id < tokens.length; id++) json.name(tokens[id]).value(id);
            json.endObject();
        }
        try (Writer out = Files.newBufferedWriter(mergesTmp, StandardCharsets.UTF_8)) {
            out.write(VERSION_LINE + "\n");
            for (int r = 0; r < merges.count(); r++) {
                out.write(tokens[merges.left(r)] + " " + tokens[merges.right(r)] + "\n");
            }
        }
        Files.move(vocabTmp, dir.resolve(VOCAB), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        Files.move(mergesTmp, dir.resolve(MERGES), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static BadInputException missing(Path file) {
        return new BadInputException(file + ": no such file (a tokenizer needs " + VOCAB + " and " + MERGES
                + ", or " + TokenizerJson.FILE + ")");
    }

    private static BadInputException bad(Path file, String what) {
        return new BadInputException(file + ": " + what);
    }

    private static BadInputException bad(Path file, int line, String what) {
        return new BadInputException(file + " line " + line + ": " + what);
    }

    /** A token in quotes, with control characters escaped so the message stays one line. */
    static String quote(String s) {
        StringBuilder out = new StringBuilder("\"");
        s.codePoints().forEach(c -> {
            if (c == '"' || c == '\\') out.append('\\').appendCodePoint(c);
            else if (Character.isISOControl(c) || c == 0x2028 || c == 0x2029) out.append(String.format("\\u%04x", c));
            else out.appendCodePoint(c);
        });
        return out.append('"').toString();
    }

    private static String oneLine(Exception e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.replaceAll("\\s+", " ").trim();
    }
}
